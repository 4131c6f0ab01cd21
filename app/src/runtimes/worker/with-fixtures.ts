// The Worker with the conformance suite's fixtures added: what `MCP_FIXTURES=conformance npm run dev:edge` and the
// conformance test build. Never the uploaded bundle, which is built from index.ts and holds no fixture.
import { conformanceFixtures } from "../../fixtures/conformance/index.ts";
import { catalog, mergeCatalogs } from "../../tools/index.ts";
import { edgeRuntime } from "./edge-runtime.ts";

const runtime = edgeRuntime(mergeCatalogs(catalog, conformanceFixtures));

export default runtime.handler;
export const McpSession = runtime.McpSession;
export const PrincipalState = runtime.PrincipalState;
