// Every way an editor or a shell saves a file, each a separate edit a watcher must see: the second `sed -i`
// is the one Node's recursive fs.watch missed.
import { execFileSync } from "node:child_process";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";

export interface WayOfSaving {
  how: string;
  /** The value the file sets once saved. */
  value: string;
  save(): void;
}

export interface SavedFile {
  path: string;
  /** The whole file, setting `value`. */
  whole(value: string): string;
  /** A line that, appended, sets `value` again. */
  appended(value: string): string;
  /** Where `cp` copies from: outside any watched folder. */
  scratch: string;
}

/** In place, appended to, renamed over, copied over with cp, and sed -i twice; run in this order. */
export function waysOfSaving(file: SavedFile): WayOfSaving[] {
  return [
    { how: "written in place", value: "written", save: () => writeFileSync(file.path, file.whole("written")) },
    { how: "appended to", value: "appended", save: () => appendFileSync(file.path, file.appended("appended")) },
    {
      how: "replaced by a rename",
      value: "renamed",
      save: () => {
        writeFileSync(`${file.path}.tmp`, file.whole("renamed"));
        renameSync(`${file.path}.tmp`, file.path);
      },
    },
    {
      how: "copied over with cp",
      value: "copied",
      save: () => {
        writeFileSync(file.scratch, file.whole("copied"));
        execFileSync("cp", [file.scratch, file.path]);
      },
    },
    { how: "edited by sed -i", value: "sed-1", save: () => execFileSync("sed", ["-i", "s/copied/sed-1/", file.path]) },
    { how: "edited by sed -i again", value: "sed-2", save: () => execFileSync("sed", ["-i", "s/sed-1/sed-2/", file.path]) },
  ];
}
