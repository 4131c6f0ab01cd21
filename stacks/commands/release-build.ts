/**
 * `npm run release:build [-- --print-id]`: builds the working tree into an
 * immutable, content-addressed release under `.releases/<id>/` (stacks/release/build.ts).
 */
import { parseArgs } from "node:util";
import { runCommand } from "../cli.ts";
import { buildRelease } from "../release/build.ts";

const USAGE = "usage: npm run release:build [-- --print-id]   (builds the working tree into .releases/<id>/; --print-id prints only the id)";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({ options: { "print-id": { type: "boolean" } } });
  const root = process.cwd();
  const { manifest, dir, created } = await buildRelease(root);
  if (values["print-id"]) {
    process.stdout.write(`${manifest.release}\n`);
  } else {
    const edge = manifest.artifacts["edge/worker.js"]!;
    const lines = [
      `${created ? "built" : "already built"} release ${manifest.release} in ${dir}`,
      `  git commit ${manifest.gitCommit}${manifest.dirty ? " (with uncommitted changes)" : ""}`,
      `  edge/worker.js ${edge.bytes} bytes sha256:${edge.sha256}`,
      `  modal: ${Object.keys(manifest.artifacts).filter((p) => p.startsWith("modal/")).length} files`,
      `  fly image ${manifest.fly.image} (inputs sha256:${manifest.fly.inputsSha256})`,
      `  Durable Object migrations: ${manifest.worker.migrations.map((m) => m.tag).join(", ")}`,
      `  tools: ${manifest.tools.map((t) => `${t.name} (${t.placement})`).join(", ")}`,
      `  MCP surface: ${manifest.surface?.tools.length ?? 0} tools with their schemas, as tools/list gives them (${manifest.surface?.protocolVersion})`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
});
