/**
 * `npm run dev:auth`: the development authorization server on this machine,
 * for `MCP_OAUTH_ISSUER=… npm start` (or `npm run dev:edge`). Every user signs
 * in at once, as `--user` (or whoever the client's `login_hint` names).
 *
 *   npm run dev:auth -- [--port 8789] [--user dev-user]
 */
import { commandLine } from "../../src/runtimes/command-line.ts";
import { startDevAuthorizationServer } from "./authorization-server.ts";

const USAGE = "usage: npm run dev:auth [-- --port 8789] [--user dev-user]   (a development OAuth authorization server on loopback; signs in as --user unless a request says login_hint=<user>)";
const flags = commandLine(USAGE, {
    port: { type: "string", default: "8789" },
    user: { type: "string", default: "dev-user" },
  });

const server = await startDevAuthorizationServer({ port: Number(flags.port), defaultUser: flags.user });
console.log(`dev authorization server at ${server.issuer}  (signs in as "${flags.user}" unless the request says login_hint=<user>)`);
console.log(`serve MCP with it:  MCP_OAUTH_ISSUER=${server.issuer} npm start`);
const stop = () => void server.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
