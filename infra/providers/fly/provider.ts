/**
 * The object Pulumi serializes into state for every Fly resource.
 *
 * `pulumi.dynamic.Resource` serializes its provider with the closure serializer,
 * which under ES modules cannot capture imported modules. So the provider
 * captures nothing but three strings (the file URL and project-relative path of
 * kinds.ts, and the resource kind) and loads the real implementation with a
 * dynamic `import()` when a method is called. The token is never captured: the
 * handlers read it from the environment at call time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { FlyResourceKind } from "./kinds.ts";

const kindsUrl: string = new URL("./kinds.ts", import.meta.url).href;
/** Used when the absolute path no longer exists (state written on another machine or checkout). */
const kindsRelativePath: string = relative(process.cwd(), fileURLToPath(kindsUrl));

export function serializableProvider(kind: FlyResourceKind): pulumi.dynamic.ResourceProvider {
  async function load(): Promise<pulumi.dynamic.ResourceProvider> {
    const { existsSync } = await import("node:fs");
    const url = await import("node:url");
    const path = await import("node:path");
    const href = existsSync(url.fileURLToPath(kindsUrl))
      ? kindsUrl
      : url.pathToFileURL(path.resolve(globalThis.process.cwd(), kindsRelativePath)).href;
    const kinds = await import(href);
    return kinds.handlerFor(kind);
  }
  return {
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
      if (!handler.update) throw new Error(`Fly ${kind} resources cannot be updated in place`);
      return await handler.update(id, olds, news);
    },
    async delete(id, props) {
      const handler = await load();
      if (handler.delete) await handler.delete(id, props);
    },
  };
}
