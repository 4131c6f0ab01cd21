/**
 * A stand-in for the GitHub CLI, for the pull-request comments the preview
 * pipeline posts: `gh api repos/<repo>/issues/<n>/comments [--paginate] [--jq <expr>]`,
 * `gh api --method PATCH repos/<repo>/issues/comments/<id> -F body=@<file>`
 * and `gh pr comment <n> --body-file <file>`, over the rehearsal's fake GitHub
 * (a JSON file at `$REHEARSAL_GITHUB_COMMENTS`). GH_TOKEN is the job's
 * GITHUB_TOKEN: a read-only one (a fork's pull request) may read but gets
 * GitHub's 403 "Resource not accessible by integration" on a write.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { withFileLock, writeWhole } from "./file-lock.ts";

interface Comment {
  id: number;
  pr: number;
  body: string;
  user: { login: string };
}

const file = process.env["REHEARSAL_GITHUB_COMMENTS"] ?? "";
const comments = (): Comment[] => (existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Comment[]) : []);
/** Changes the comments one writer at a time (the matrix legs post side by side). */
const change = (edit: (list: Comment[]) => void) =>
  withFileLock(file, () => {
    const list = comments();
    edit(list);
    writeWhole(file, JSON.stringify(list, null, 2));
  });
const argv = process.argv.slice(2);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const token = process.env["GH_TOKEN"] ?? "";
if (!file) fail("REHEARSAL_GITHUB_COMMENTS is not set");
if (!token) fail("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.");
const mayWrite = !token.includes("-read-");
const write = () => mayWrite || fail("HTTP 403: Resource not accessible by integration");
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const bodyFrom = (spec: string) => (spec.startsWith("@") ? readFileSync(spec.slice(1), "utf8") : spec);

if (argv[0] === "pr" && argv[1] === "comment") {
  write();
  const body = readFileSync(option("--body-file") ?? fail("--body-file is required"), "utf8");
  change((list) => list.push({ id: list.length + 1, pr: Number(argv[2]), body, user: { login: "github-actions[bot]" } }));
} else if (argv[0] === "api") {
  const path = argv.find((arg, i) => i > 0 && arg.startsWith("repos/")) ?? fail("gh api needs a path");
  const method = option("--method") ?? option("-X") ?? "GET";
  const update = /^repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
  const list = /^repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path);
  if (update && method === "PATCH") {
    write();
    const body = bodyFrom((option("-F") ?? option("-f") ?? fail("a body field is required")).replace(/^body=/, ""));
    change((all) => {
      const found = all.find((comment) => comment.id === Number(update[1]));
      if (!found) fail("HTTP 404: Not Found");
      found.body = body;
    });
  } else if (list && method === "GET") {
    const answer = JSON.stringify(comments().filter((comment) => comment.pr === Number(list[1])));
    const jq = option("--jq");
    if (!jq) process.stdout.write(`${answer}\n`);
    else {
      const filtered = spawnSync("jq", ["-r", jq], { input: answer, encoding: "utf8" });
      if (filtered.status !== 0) fail(filtered.stderr);
      process.stdout.write(filtered.stdout);
    }
  } else fail(`the stand-in gh does not do: gh ${argv.join(" ")}`);
} else fail(`the stand-in gh does not do: gh ${argv.join(" ")}`);
