/**
 * The resource plugins `pulumi up` will download: the Node.js language host
 * reads each installed `@pulumi/*` package whose package.json has
 * `"pulumi": { "resource": true }` and asks for plugin `name` at
 * `pulumi.version`, else at the package's own version
 * (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, getPluginVersion).
 * A version upstream never tagged is a plugin that cannot be downloaded, and
 * the first real `pulumi up` stops there.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..");
const json = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8")) as Record<string, unknown>;
const manifest = json("package.json") as { dependencies: Record<string, string> };
const lock = json("package-lock.json") as { packages: Record<string, { version: string }> };

interface PluginPackage {
  version: string;
  pulumi?: { resource?: boolean; name?: string; version?: string };
}

/** The plugin the engine looks for when it finds this installed package. */
function pluginOf(name: string): { plugin: string; version: string } | undefined {
  const pkg = json(`node_modules/${name}/package.json`) as unknown as PluginPackage;
  if (!pkg.pulumi?.resource) return undefined;
  return { plugin: pkg.pulumi.name ?? name.replace("@pulumi/", ""), version: pkg.pulumi.version ?? pkg.version };
}

test("@pulumi/command is a 1.x release: upstream's tags go v0.x → v1.2.1, and npm's 4.5.0 is a stray publish with no plugin behind it", () => {
  // pulumi/pulumi-command#130: the 4.x packages are deprecated strays; npm's `latest` is 1.2.1.
  const wanted = manifest.dependencies["@pulumi/command"];
  assert.match(wanted ?? "", /^1\.\d+\.\d+$/, `package.json pins @pulumi/command ${wanted} (expected an exact 1.x)`);
  assert.equal(lock.packages["node_modules/@pulumi/command"]?.version, wanted, "the lock file holds the same version");
  assert.deepEqual(pluginOf("@pulumi/command"), { plugin: "command", version: wanted }, "the engine asks for plugin command at that version");
});

test("every resource plugin the engine asks for is the version package.json pins (no package drags in a plugin of another version)", () => {
  const pulumiPackages = Object.keys(manifest.dependencies).filter((name) => name.startsWith("@pulumi/"));
  const plugins = pulumiPackages.flatMap((name) => {
    const plugin = pluginOf(name);
    return plugin ? [{ name, ...plugin }] : [];
  });
  assert.deepEqual(plugins.map((p) => p.plugin).sort(), ["aws", "cloudflare", "command"]);
  for (const { name, version } of plugins) assert.equal(version, manifest.dependencies[name], `${name}: plugin ${version}, pinned ${manifest.dependencies[name]}`);
});
