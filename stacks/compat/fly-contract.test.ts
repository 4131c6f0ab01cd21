import assert from "node:assert/strict";
import { test } from "node:test";
import type { ReleaseLookup, ReleaseRecord } from "../release-platform.ts";
import type { StackConfig } from "../schema.ts";
import { flyContract } from "./fly-contract.ts";

const config = {
  fly: { release: "r-000000000host" },
  apiVersions: {
    v1: { slots: { blue: { release: "r-0000000000aa" }, green: { release: "r-000000000host" } } },
    v2: { slots: { blue: { release: "r-0000000000bb" }, green: { release: "r-0000000000aa" } } },
  },
} as unknown as StackConfig;

function lookup(runtimes: Record<string, string | undefined>): ReleaseLookup {
  const record = (release: string) => ({ release, fly: { image: "", inputsSha256: "0".repeat(64), ...(runtimes[release] ? { runtimeSha256: runtimes[release] } : {}) } }) as ReleaseRecord;
  return { get: (release: string) => (release in runtimes ? record(release) : undefined), why: () => "not here" } as unknown as ReleaseLookup;
}

test("a pinned release built for another host runtime is worth a look, named with every slot it is in; never a refusal", () => {
  const notes = flyContract(config, lookup({ "r-000000000host": "1".repeat(64), "r-0000000000aa": "2".repeat(64), "r-0000000000bb": "1".repeat(64) }));
  assert.deepEqual(notes.length, 1);
  assert.match(notes[0]!, /^v1 blue, v2 green \(r-0000000000aa\) was built for another Fly host runtime than fly.release r-000000000host .*worth a look/);
});

test("releases whose runtime is not recorded (older builds) or not readable say nothing", () => {
  assert.deepEqual(flyContract(config, lookup({ "r-000000000host": "1".repeat(64), "r-0000000000aa": undefined })), []);
  assert.deepEqual(flyContract(config, lookup({})), []);
});
