import { basename } from "node:path";
import { watch } from "chokidar";

export interface SourceWatcherOptions {
  /** Called once per burst of changes, with the files that changed in it. */
  onChange: (paths: string[]) => void;
  /** Quiet time after the last change before `onChange`. @default 200 */
  debounceMs?: number;
  /** Paths never reported (beyond node_modules, caches and dot-folders, always left out). */
  ignore?: (path: string) => boolean;
}

export interface SourceWatcher {
  /** Settles once every folder is watched: an edit from then on is seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const NEVER_SOURCES = new Set(["node_modules", "__pycache__", ".data", ".wrangler"]);

/** Folders and files that are never sources: dependencies, bytecode caches, dot-folders (.git, .pytest_cache). */
function neverSource(path: string): boolean {
  const name = basename(path);
  return NEVER_SOURCES.has(name) || (name.startsWith(".") && name.length > 1) || name.endsWith(".pyc");
}

/**
 * Watches source folders (and files) for every way an editor saves: written
 * in place, appended to, replaced by a rename (vim, JetBrains, `sed -i`,
 * `mv`), or copied over. Node's `fs.watch(dir, { recursive: true })` stops
 * reporting a file once it has been replaced (seen on Node 24.21: a second
 * `sed -i` went unseen), so the watching is chokidar's, which watches each
 * folder and re-arms on a replaced file. Changes are reported per burst: a
 * save that writes a temporary file and renames it is one change.
 */
export function watchSources(paths: readonly string[], options: SourceWatcherOptions): SourceWatcher {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch([...paths], {
    ignoreInitial: true,
    ignored: (path) => neverSource(path) || (options.ignore?.(path) ?? false),
  });
  watcher.on("all", (_event, path) => {
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const paths = [...changed];
      changed.clear();
      options.onChange(paths);
    }, options.debounceMs ?? 200);
  });
  // A folder that cannot be watched (too many watches, a permission) is said once; the rest go on being watched.
  watcher.on("error", (error) => console.error(`watching ${paths.join(", ")}: ${(error as Error).message}`));
  return {
    ready: new Promise((resolve) => watcher.once("ready", () => resolve())),
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
