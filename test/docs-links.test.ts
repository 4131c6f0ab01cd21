/**
 * The README and docs/ link to each other by file and heading: every such
 * link reaches a file that exists and, with a `#fragment`, a heading of it
 * (GitHub's anchors: lowercase, punctuation dropped, spaces as hyphens).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..");
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => join("docs", name))];

/** The anchors GitHub gives a page's headings, outside fenced blocks. */
function anchorsOf(page: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(join(root, page), "utf8").split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading) anchors.add(heading[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-"));
  }
  return anchors;
}

test("every link between the README and docs/ reaches a page and a heading that exist", () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), "utf8").replace(/^```[\s\S]*?^```/gm, "");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, fragment] = target!.split("#") as [string, string | undefined];
      const linked = file === "" ? page : normalize(join(dirname(page), file));
      if (!existsSync(join(root, linked))) broken.push(`${page}: ${target} (no ${linked})`);
      else if (fragment !== undefined && linked.endsWith(".md") && !anchorsOf(linked).has(fragment)) broken.push(`${page}: ${target} (no heading #${fragment} in ${linked})`);
    }
  }
  assert.deepEqual(broken, []);
});
