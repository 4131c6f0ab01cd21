/**
 * The flags of the app's own commands (`npm start`, `dev:edge`, `build:edge`,
 * `dev:auth`, `dev:sign-in`): `--help` prints the usage and exits 0, a flag the
 * command does not know is one line and the usage on stderr with exit 2,
 * never a stack trace. (The operator commands in stacks/ share stacks/cli.ts;
 * the app package cannot import it: the Fly image ships app/ alone.)
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

export function commandLine<const Options extends ParseArgsOptionsConfig>(usage: string, options: Options, argv: string[] = process.argv.slice(2)) {
  const end = argv.indexOf("--");
  if ((end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === "--help" || arg === "-h")) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}
