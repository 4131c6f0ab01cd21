/**
 * The fake Modal account's web endpoints: `<workspace>[-<suffix>]--<label>.modal.run`
 * reaches the deployed app of that URL, run from the sources its deploy copied
 * with the environment its deploy ran with. What runs is the project's own
 * stand-in for Modal's web function, `app/modal/local_server.py`, the same
 * signed endpoint the Modal app serves (`endpoint.py`), started on the first
 * request; Modal's containers, GPUs and scaling are not modelled.
 */
import { join } from "node:path";
import { readAccount } from "../../stand-ins/modal-account.ts";
import type { Site } from "../internet/proxy.ts";
import { forward, startServing, stopAll, type Served } from "./processes.ts";

export interface ModalServing {
  site: Site;
  served: { app: string; path: string }[];
  stop(): Promise<void>;
}

export function modalServing(options: { account: string; env: NodeJS.ProcessEnv }): ModalServing {
  const running = new Map<string, Promise<Served>>();
  const served: ModalServing["served"] = [];
  const site: Site = async (request) => {
    const url = new URL(request.url);
    const app = Object.values(readAccount(options.account).apps).find((candidate) => candidate.state === "deployed" && new URL(candidate.webUrl).hostname === url.hostname);
    if (!app) return new Response(`modal-http: app for invoked web endpoint is stopped or not found: ${url.hostname}`, { status: 404 });
    const key = `${app.environment}/${app.name}/${app.deploys}`;
    let process = running.get(key);
    if (!process) {
      process = startServing("python3", [join(app.sources, "local_server.py"), "--host", "127.0.0.1", "--port", "0", "--quiet"], {
        cwd: app.sources,
        env: { ...options.env, ...app.env },
        what: `Modal app ${app.name} (${app.environment})`,
        ready: (output) => /listening on (http:\/\/\S+)/.exec(output)?.[1],
      });
      running.set(key, process);
    }
    served.push({ app: app.name, path: url.pathname });
    return await forward(request, (await process).origin);
  };
  return {
    site,
    served,
    stop: () => stopAll(running),
  };
}
