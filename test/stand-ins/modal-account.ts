/**
 * The fake Modal account the stand-in `modal` CLI and its Python module share:
 * a JSON file (`FAKE_MODAL_ACCOUNT`) with the workspace, its environments and
 * their web suffixes, the tokens that may deploy, and every deployed app with
 * a copy of its sources and the environment its deploy ran with.
 */
import { readFileSync } from "node:fs";
import { withFileLock, writeWhole } from "./file-lock.ts";

export interface ModalApp {
  name: string;
  environment: string;
  state: "deployed" | "stopped";
  tag: string;
  /** Where the deploy's sources were copied. */
  sources: string;
  /** The environment the deploy ran with (what modal_app.py reads at deploy time). */
  env: Record<string, string>;
  webUrl: string;
  deploys: number;
}

export interface ModalAccountState {
  workspace: string;
  environments: Record<string, { webSuffix: string }>;
  tokens: { id: string; secret: string }[];
  apps: Record<string, ModalApp>;
}

export const appKey = (environment: string, name: string) => `${environment}/${name}`;

export function accountPath(): string {
  const path = process.env["FAKE_MODAL_ACCOUNT"];
  if (!path) throw new Error("FAKE_MODAL_ACCOUNT is not set: the stand-in modal keeps its account there");
  return path;
}

export function readAccount(path = accountPath()): ModalAccountState {
  return JSON.parse(readFileSync(path, "utf8")) as ModalAccountState;
}

export function writeAccount(state: ModalAccountState, path = accountPath()): void {
  writeWhole(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** A change of the account by one command at a time (several deploys run at once). */
export function updateAccount<T>(change: (state: ModalAccountState) => T, path = accountPath()): T {
  return withFileLock(path, () => {
    const state = readAccount(path);
    const result = change(state);
    writeAccount(state, path);
    return result;
  });
}
