// The Worker as shipped: the shipped catalog, no fixtures (with-fixtures.ts is the build that has them).
import { catalog } from "../../tools/index.ts";
import { edgeRuntime } from "./edge-runtime.ts";

const runtime = edgeRuntime(catalog);

export default runtime.handler;
export const McpSession = runtime.McpSession;
export const PrincipalState = runtime.PrincipalState;
