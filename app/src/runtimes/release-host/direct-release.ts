/**
 * Which release answers calls that name none (clients of the Fly app itself):
 * the live release, as the stack names it in the backup bucket. Read here
 * every 30 s rather than set in the machine's env, so a cutover or a rollback
 * moves direct clients too without a machine update, as it moves the edge's.
 */
import { treeFetcher } from "./tree-source.ts";

export interface DirectRelease {
  current(): string;
  stop(): void;
}

const POLL_MS = 30_000;

export function followDirectRelease(options: { initial: string; key: string | undefined; served: readonly string[]; log: (line: string) => void; pollMs?: number }): DirectRelease {
  let current = options.initial;
  if (options.key === undefined) return { current: () => current, stop: () => undefined };
  const fetchPointer = treeFetcher(options.key, process.env, 64 * 1024);
  let lastProblem = "";
  const read = async () => {
    try {
      const named = (JSON.parse((await fetchPointer()).toString("utf8")) as { release?: unknown }).release;
      if (typeof named !== "string" || !options.served.includes(named)) throw new Error(`it names ${JSON.stringify(named)}, which is not served here (serving ${options.served.join(", ")})`);
      if (named !== current) options.log(`release-host: calls naming no release now go to ${named} (was ${current})`);
      current = named;
      lastProblem = "";
    } catch (error) {
      const problem = `release-host: the live release pointer ${options.key} cannot be used (${(error as Error).message}); calls naming no release stay on ${current}`;
      if (problem !== lastProblem) options.log(problem);
      lastProblem = problem;
    }
  };
  void read();
  const timer = setInterval(() => void read(), options.pollMs ?? POLL_MS);
  timer.unref();
  return { current: () => current, stop: () => clearInterval(timer) };
}
