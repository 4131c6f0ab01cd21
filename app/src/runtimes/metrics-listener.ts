import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * `/metrics` on a port of its own. On Fly this port is in no service, so Fly's
 * proxy never exposes it to the internet; Fly's scraper reaches it over the
 * private network (the machine config's `metrics`, infra/providers/fly/machine-config.ts).
 */
export async function listenForMetrics(host: string, port: number, metrics: () => Promise<Response>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served on this port\n");
      return;
    }
    void metrics().then(
      async (response) => res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text()),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics are unavailable\n"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}/metrics` };
}
