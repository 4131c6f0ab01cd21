/**
 * A stand-in for the Pulumi CLI, for the rehearsal (test/rehearsal/): the
 * commands this project's docs (docs/deploy.md) and pipelines run, with the CLI's flags and
 * its words where they matter, over a backend folder that keeps stacks,
 * tokens and the secrets provider between runs (backend.ts).
 *
 *   login [url] | whoami | version
 *   stack init <name> | stack select <name> | stack ls
 *   stack output [name] [--json] [--show-secrets] [-s <stack>]
 *   config set [--secret] [--path] <key> <value> [-s <stack>]
 *   preview [-s <stack>] [--diff]
 *   up [--yes] [--skip-preview] [-s <stack>]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { access, home, initStack, output, requireWrite, stackExists, StandInError } from "./backend.ts";
import { requireStackFile, setConfig } from "./stack-config.ts";

/** The project root: the nearest folder up from here with a Pulumi.yaml, as the CLI finds it. */
function projectRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, "Pulumi.yaml"))) {
    const up = dirname(dir);
    if (up === dir) throw new StandInError("error: no Pulumi.yaml project file found (searching upwards from the current directory)");
    dir = up;
  }
  return dir;
}

const currentFile = () => join(home(), "current-stack");

function stackOf(given: string | undefined): string {
  const stack = given ?? (existsSync(currentFile()) ? readFileSync(currentFile(), "utf8").trim() : undefined);
  if (!stack) throw new StandInError("error: no stack selected; please use `pulumi stack select` or pass --stack");
  if (!stackExists(stack)) throw new StandInError(`error: no stack named '${stack}' found`);
  return stack;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      stack: { type: "string", short: "s" },
      secret: { type: "boolean" },
      path: { type: "boolean" },
      json: { type: "boolean" },
      yes: { type: "boolean", short: "y" },
      "skip-preview": { type: "boolean", short: "f" },
      diff: { type: "boolean" },
      "show-secrets": { type: "boolean" },
      "non-interactive": { type: "boolean" },
    },
  });
  const stackFlag = values.stack as string | undefined;
  const [command, sub, ...rest] = positionals;
  switch (command) {
    case "version":
      return say("v3.270.0-stand-in");
    case "login":
      access();
      return say(`Logged in to the rehearsal's backend (${home()})`);
    case "whoami":
      return say(access() === "write" ? "rehearsal-deployer" : "rehearsal-reader");
    case "stack": {
      if (sub === "init" || sub === "select") {
        const name = rest[0] ?? stackFlag;
        if (!name) throw new StandInError(`error: pulumi stack ${sub} needs a stack name`);
        if (sub === "init") {
          requireWrite(name);
          initStack(name);
          say(`Created stack '${name}'`);
        } else if (!stackExists(name)) throw new StandInError(`error: no stack named '${name}' found`);
        writeFileSync(currentFile(), name);
        return;
      }
      if (sub === "output") {
        access();
        const stack = stackOf(stackFlag);
        const value = output(stack, rest[0]);
        return say(values.json ? JSON.stringify(value, null, 2) : typeof value === "string" ? value : JSON.stringify(value));
      }
      throw new StandInError(`the stand-in pulumi does not do "stack ${sub ?? ""}"`);
    }
    case "config": {
      if (sub !== "set") throw new StandInError(`the stand-in pulumi does not do "config ${sub ?? ""}"`);
      const [key, value] = rest;
      if (key === undefined || value === undefined) throw new StandInError("error: pulumi config set needs a key and a value");
      const stack = stackOf(stackFlag);
      const root = projectRoot();
      requireStackFile(root, stack);
      setConfig(root, stack, key, value, { secret: values.secret === true, path: values.path === true });
      return;
    }
    case "preview": {
      access();
      const stack = stackOf(stackFlag);
      // The engine (the program, the providers, the SDKs) loads only for what runs the program.
      const { run } = await import("./engine.ts");
      await run(projectRoot(), stack, true, say);
      return;
    }
    case "up":
    case "update": {
      const stack = stackOf(stackFlag);
      requireWrite(stack);
      if (!values.yes && !values["skip-preview"]) throw new StandInError("error: --yes or --skip-preview must be passed in to proceed when running in non-interactive mode");
      const { run } = await import("./engine.ts");
      await run(projectRoot(), stack, false, say);
      return;
    }
    default:
      throw new StandInError(`the stand-in pulumi does not do "${argv.join(" ")}" (test/stand-ins/pulumi/main.ts)`);
  }
}

try {
  await main(process.argv.slice(2));
  // The program's own handles (servers it would never close under a real engine) must not keep this process alive.
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof StandInError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(255);
}


