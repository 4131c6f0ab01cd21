/**
 * `node lifeline.ts <command> [args…]`: runs a command that has no lifeline
 * of its own so that it ends when whoever started this process dies, however
 * it dies. wrangler is one: killed, it leaves its workerd processes running.
 *
 * The command runs in a process group of its own; this process waits on its
 * standard input, a pipe its parent never writes. When the parent dies (even
 * by SIGKILL) the kernel closes that pipe, and the whole group gets SIGTERM,
 * then SIGKILL after a grace period. SIGTERM or SIGINT here do the same. When
 * the command exits, whatever it left in its group is killed, and this
 * process exits with the command's code.
 *
 * The parent should start this process detached too, so a signal to the
 * parent's group (Ctrl-C, `kill -9 -<pgid>`) cannot take the lifeline with it.
 */
import { spawn } from "node:child_process";

const GRACE_MS = 3000;

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error("usage: node lifeline.ts <command> [args…]");
  process.exit(2);
}

const child = spawn(command, args, { detached: true, stdio: ["ignore", "inherit", "inherit"] });

function signalGroup(signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is gone already.
  }
}

let ending = false;
function end(): void {
  if (ending) return;
  ending = true;
  signalGroup("SIGTERM");
  setTimeout(() => {
    signalGroup("SIGKILL");
    process.exit(1);
  }, GRACE_MS).unref();
}

child.once("error", (error) => {
  console.error(`cannot start ${command}: ${error.message}`);
  process.exit(1);
});
child.once("exit", (code, signal) => {
  signalGroup("SIGKILL");
  process.exit(code ?? (signal ? 1 : 0));
});
process.stdin.once("end", end).once("close", end).once("error", end).resume();
process.once("SIGTERM", end);
process.once("SIGINT", end);
