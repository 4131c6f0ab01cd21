/**
 * Imported into every test process (`node --test --import`, package.json):
 * the process gets a temporary folder of its own, as TMPDIR (which
 * `os.tmpdir()`, Python's `tempfile` and every child process read), removed
 * when the process exits. A test that forgets to remove what it made, or
 * fails before it can, leaves nothing behind (a run used to leave about 60
 * `mcp-*` folders in /tmp).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const shared = tmpdir();
const own = mkdtempSync(join(shared, "mcp-test-process-"));
// Open like /tmp itself (sticky, writable by all): a test that drops to another user (the Fly start script's
// MCP_RUN_AS) must still reach its folders in here.
chmodSync(own, 0o1777);
process.env.TMPDIR = own;
// V8's compile cache of the servers the tests start stays shared: it only makes starts faster.
process.env.NODE_COMPILE_CACHE ??= join(shared, "node-compile-cache");
process.once("exit", () => rmSync(own, { recursive: true, force: true }));
