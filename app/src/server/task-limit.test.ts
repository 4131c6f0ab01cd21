import assert from "node:assert/strict";
import { test } from "node:test";
import { csvCluster } from "../tools/csv-cluster.ts";
import { echo } from "../tools/echo.ts";
import { taskLimitMs } from "./build-server.ts";
import { TASK_RUN_LIMIT_MS } from "./tasks.ts";

test("a task of a Modal tool with its own Function runs as long as the timeout it declares, with slack; any other up to the task limit", () => {
  assert.equal(taskLimitMs(csvCluster), (300 + 30) * 1000);
  assert.equal(taskLimitMs(echo), TASK_RUN_LIMIT_MS);
});
