/**
 * The raw floor on Node: a bare `node:http` server that reads the request body
 * and answers with bytes recorded from the real server (status, content type
 * and body per path, from the JSON file named by `FLOOR_ANSWERS`). Nothing an
 * MCP server could do is cheaper than this on the same runtime.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedAnswer {
  status: number;
  contentType: string;
  body: string;
}

const answers = new Map(
  Object.entries(JSON.parse(readFileSync(process.env.FLOOR_ANSWERS!, "utf8")) as Record<string, RecordedAnswer>).map(([path, answer]) => [
    path,
    { status: answer.status, headers: { "content-type": answer.contentType }, body: Buffer.from(answer.body) },
  ]),
);

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const answer = answers.get(req.url ?? "");
    if (answer === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.length }).end(answer.body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
