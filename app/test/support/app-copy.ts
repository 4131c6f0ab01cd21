// A copy of the app for tests that edit its sources (npm run dev's restarts): the real sources are never touched.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface AppCopy {
  /** The copy's project root: package.json, app/ and a link to the real node_modules. */
  root: string;
  /** A path inside the copy's app/, e.g. `src/tools/echo.ts`. */
  app(path: string): string;
  /** Replaces `from` (which must be there) with `to` in a file of the copy's app/. */
  rewrite(path: string, from: string | RegExp, to: string): void;
  remove(): void;
}

/** app/src, app/scripts and app/modal (without tests and caches) under a temporary root. */
export function copyApp(): AppCopy {
  const root = mkdtempSync(join(tmpdir(), "mcp-app-copy-"));
  const skipped = new Set(["test", "tests", "__pycache__", "node_modules"]);
  for (const path of ["package.json", "app/package.json", "app/src", "app/scripts", "app/modal"]) {
    cpSync(join(ROOT, path), join(root, path), { recursive: true, filter: (source) => !skipped.has(basename(source)) });
  }
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"), "dir");
  const app = (path: string) => join(root, "app", path);
  return {
    root,
    app,
    rewrite(path, from, to) {
      const text = readFileSync(app(path), "utf8");
      const changed = text.replace(from, to);
      if (changed === text) throw new Error(`${path} of the app copy does not contain ${String(from)}: the test needs updating to the file as it is now`);
      writeFileSync(app(path), changed);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
