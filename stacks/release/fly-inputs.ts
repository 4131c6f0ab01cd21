/**
 * What the Fly image is built from: the Dockerfile and the build context that
 * `.dockerignore` lets through, read with Docker's rules (moby/patternmatcher:
 * patterns in order, the last one that matches a path or one of its parent
 * folders decides, `!` re-includes). A release records the sha256 of these
 * files, so the image of a release can be built only from a checkout whose
 * context is the release's, and `release:build` gets a new id whenever
 * anything the image holds changes (start.sh and the Litestream config included).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "./manifest.ts";

export const DOCKERFILE = "app/Dockerfile";

interface Rule {
  pattern: string;
  regex: RegExp;
  include: boolean;
}

/**
 * A pattern as Docker reads it (Go's filepath.Match, plus `**` for any number
 * of folders): `*` and `?` never cross a `/`, and both match names that start
 * with a dot.
 */
function globRegex(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      const slash = pattern[i + 2] === "/";
      out += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      out += end > i ? `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]` : "\\[";
      if (end > i) i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

function rulesOf(root: string): Rule[] {
  const path = join(root, ".dockerignore");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const include = line.startsWith("!");
      const pattern = clean(include ? line.slice(1) : line);
      return { pattern, regex: globRegex(pattern), include };
    });
}

/** Docker cleans each pattern as a path: no leading `/` or `./`, no trailing `/`. */
const clean = (pattern: string) => pattern.replace(/^\.?\//, "").replace(/\/+$/, "");

/** The path and each folder above it: `a/b/c` → `a`, `a/b`, `a/b/c`. */
function selfAndParents(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

function excluded(path: string, rules: readonly Rule[]): boolean {
  let out = false;
  for (const rule of rules) {
    if (selfAndParents(path).some((candidate) => rule.regex.test(candidate))) out = !rule.include;
  }
  return out;
}

/** Relative paths of the files Docker sends as the build context from `root`, sorted. */
export function dockerContextFiles(root: string): string[] {
  const rules = rulesOf(root);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        // An excluded folder is still walked when a `!` rule may bring back something inside it.
        if (entry.name === ".git" || (excluded(path, rules) && !rules.some((rule) => rule.include && rule.pattern.startsWith(`${path}/`)))) continue;
        walk(path);
      } else if (entry.isFile() && !excluded(path, rules)) {
        files.push(path);
      }
    }
  };
  walk("");
  return files.sort();
}

/** The files the Fly image is built from, relative to the project root: the Dockerfile and its context. */
export function flyImageInputs(root: string): string[] {
  return [...new Set([DOCKERFILE, ...dockerContextFiles(root)])].filter((path) => existsSync(join(root, path))).sort();
}

export function hashFiles(root: string, paths: readonly string[]): string {
  const lines = paths.map((path) => `${path}\0${sha256(readFileSync(join(root, path)))}\n`);
  return sha256(lines.join(""));
}

/** sha256 over the Fly image's inputs of the checkout at `root`: what a release's `fly.inputsSha256` records. */
export function flyInputsSha256(root: string): string {
  return hashFiles(root, flyImageInputs(root));
}

