import assert from "node:assert/strict";
import { test } from "node:test";
import type { ColdStart } from "./cold-start.ts";
import type { InfraFigures } from "./infra.ts";
import { highestPassingRate } from "./load/ladder.ts";
import type { RungResult } from "./load/protocol.ts";
import type { SweepRow } from "./load/sweep.ts";
import type { Era } from "./mcp-wire.ts";
import { judge, type Figures } from "./targets.ts";

function rung(offeredPerSecond: number, p99Ms: number, errors = 0): RungResult {
  return { offeredPerSecond, calls: offeredPerSecond * 5, achievedPerSecond: offeredPerSecond, p50Ms: 2, p99Ms, maxMs: p99Ms, errors, errorKinds: errors ? { timeout: errors } : {}, sendLagP50Ms: 0.5, sendLagP99Ms: 1, generatorCores: 0.2 };
}

function sweep(runtime: "node" | "workerd", server: string, era: Era, rungs: RungResult[], sessions = 1000): SweepRow {
  return { runtime, server, era, tool: "echo", sessions: era === "2025-11-25" ? sessions : 0, openMs: 100, rungs, highest: highestPassingRate(rungs) };
}

const passing = { nodeMs: 200, bundleGzipBytes: 120_000 } as ColdStart;
const infra = { evaluateMs: 600 } as InfraFigures;
const figures = (load: SweepRow[]): Figures => ({ latency: [], load, coldStart: passing, infra });
const verdict = (load: SweepRow[], starts: string) => judge(figures(load)).find((v) => v.target.startsWith(starts))!;

const ladder = (top: number) => [250, 500, 1000, 1500, 2000, 3000].map((rate) => rung(rate, rate <= top ? 20 : 120));

test("ours at 3,000/s against the SDK server's 2,000/s in both eras is 1.5×: pass; the plain SDK server's ratio is shown too", () => {
  const load = [
    sweep("node", "ours", "2025-11-25", ladder(3000)),
    sweep("node", "ours", "2026-07-28", ladder(3000)),
    sweep("node", "sdk + event store", "2025-11-25", ladder(2000)),
    sweep("node", "sdk + event store", "2026-07-28", ladder(2000)),
    sweep("node", "sdk", "2025-11-25", ladder(1500)),
  ];
  const v = verdict(load, "Node highest rate");
  assert.equal(v.pass, true);
  assert.match(v.measured, /2025-11-25: 3000\/s vs 2000\/s = 1\.50× \(no store: 2\.00×\)/);
  // 2026-07-28 has no sessions: the store-less SDK server is the same code, so its ratio is the store's.
  assert.match(v.measured, /2026-07-28: 3000\/s vs 2000\/s = 1\.50× \(no store: 1\.50×\)/);
});

test("one era below 1.5× fails the rate target", () => {
  const load = [
    sweep("node", "ours", "2025-11-25", ladder(3000)),
    sweep("node", "ours", "2026-07-28", ladder(1500)),
    sweep("node", "sdk + event store", "2025-11-25", ladder(2000)),
    sweep("node", "sdk + event store", "2026-07-28", ladder(1500)),
  ];
  assert.equal(verdict(load, "Node highest rate").pass, false);
});

test("the 1,000-session target is the 1,000/s rung of our 2025-11-25 sweep: p99 within 50 ms and no errors", () => {
  const ok = verdict([sweep("node", "ours", "2025-11-25", ladder(1000))], "1,000 sessions");
  assert.equal(ok.pass, true);
  assert.match(ok.measured, /1000 sessions: 0 errors, p99 20\.00 ms/);
  const late = verdict([sweep("node", "ours", "2025-11-25", ladder(500))], "1,000 sessions");
  assert.equal(late.pass, false);
  const erring = verdict([sweep("node", "ours", "2025-11-25", [rung(500, 10), rung(1000, 10, 3)])], "1,000 sessions");
  assert.equal(erring.pass, false);
});

test("fewer than 1,000 sessions cannot pass the 1,000-session target, whatever the latency", () => {
  assert.equal(verdict([sweep("node", "ours", "2025-11-25", ladder(1000), 200)], "1,000 sessions").pass, false);
});

test("a sweep that stopped below 1,000/s says where it stopped", () => {
  const stopped = verdict([sweep("node", "ours", "2025-11-25", [rung(250, 60), rung(500, 90)])], "1,000 sessions");
  assert.equal(stopped.pass, false);
  assert.match(stopped.measured, /not reached \(the sweep stopped at 500\/s\)/);
});
