/**
 * The object Pulumi serializes into state for a dynamic resource.
 *
 * `pulumi.dynamic.Resource` serializes its provider with the closure serializer,
 * which under ES modules cannot capture imported modules. So the provider
 * captures nothing but strings (the file URL and project-relative path of a
 * `kinds.ts` module, and the resource kind) and loads the real implementation
 * with a dynamic `import()` when a method is called. Credentials are never
 * captured: the handlers read them from the environment at call time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Where a kinds module is: its URL here, and its path from the project root for state written elsewhere. */
export interface KindsModule {
  href: string;
  relativePath: string;
}

/** The location of a kinds module given its `import.meta.url`-relative URL. */
export function kindsModule(url: URL): KindsModule {
  return { href: url.href, relativePath: relative(process.cwd(), fileURLToPath(url)) };
}

/**
 * A provider whose methods import `kinds.href` (or, when that path no longer
 * exists, `kinds.relativePath` from the working directory) and call
 * `handlerFor(kind)` of it. `label` names the resource in errors.
 */
export function lazyProvider(kinds: KindsModule, kind: string, label: string): pulumi.dynamic.ResourceProvider {
  const kindsUrl = kinds.href;
  const kindsRelativePath = kinds.relativePath;
  async function load(): Promise<pulumi.dynamic.ResourceProvider> {
    const { existsSync } = await import("node:fs");
    const url = await import("node:url");
    const path = await import("node:path");
    const href = existsSync(url.fileURLToPath(kindsUrl))
      ? kindsUrl
      : url.pathToFileURL(path.resolve(globalThis.process.cwd(), kindsRelativePath)).href;
    const loaded = await import(href);
    return loaded.handlerFor(kind);
  }
  return {
    // The engine passes the stack config here first (e.g. a provider's token); the handler keeps it in memory.
    async configure(request) {
      const handler = await load();
      if (handler.configure) await handler.configure(request);
    },
    async check(olds, news) {
      const handler = await load();
      return handler.check ? await handler.check(olds, news) : { inputs: news };
    },
    async diff(id, olds, news) {
      const handler = await load();
      return handler.diff ? await handler.diff(id, olds, news) : {};
    },
    async create(inputs) {
      return await (await load()).create(inputs);
    },
    async read(id, props) {
      const handler = await load();
      return handler.read ? await handler.read(id, props) : { id, props };
    },
    async update(id, olds, news) {
      const handler = await load();
      if (!handler.update) throw new Error(`${label} resources cannot be updated in place`);
      return await handler.update(id, olds, news);
    },
    async delete(id, props) {
      const handler = await load();
      if (handler.delete) await handler.delete(id, props);
    },
  };
}
