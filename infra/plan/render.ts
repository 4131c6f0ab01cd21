/**
 * Renders recorded registrations for people (a table) and for tools (JSON).
 * Secrets never leave as values: every secret input is shown as [secret].
 */
import { SECRET_PLACEHOLDER } from "../../stacks/load.ts";
import { clip as fit, outputWidth } from "../../stacks/terminal.ts";
import { isSecretValue, type Registration } from "./evaluate.ts";

/** Replaces every secret inside a value with "[secret]". */
export function redact(value: unknown): unknown {
  if (isSecretValue(value)) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item)]));
  }
  return value;
}

/** `aws:s3/bucket:Bucket` → `aws:s3:Bucket`, `cloudflare:index/worker:Worker` → `cloudflare:Worker`. */
export function shortType(token: string): string {
  const [pkg, module, name] = token.split(":");
  if (name === undefined) return token;
  const area = (module ?? "").split("/")[0];
  return area === "index" || area === "" ? `${pkg}:${name}` : `${pkg}:${area}:${name}`;
}

function clip(text: string, max = 72): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function scalar(value: unknown): string {
  if (value === SECRET_PLACEHOLDER) return value;
  if (typeof value === "string") return clip(value);
  if (typeof value !== "object" || value === null) return String(value);
  return clip(JSON.stringify(value));
}

type Row = Record<string, unknown>;
const rows = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);

function envLines(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return [`env ${scalar(value)}`];
  return Object.entries(value).flatMap(([key, v]) => (key === TOOL_FUNCTIONS_ENV && typeof v === "string" ? toolFunctionLines(v) : [`env ${key}=${scalar(v)}`]));
}

/** The Modal app's tool Functions (infra/components/modal-app.ts), one readable line each instead of clipped JSON. */
const TOOL_FUNCTIONS_ENV = "MCP_MODAL_TOOL_OVERRIDES";

function toolFunctionLines(text: string): string[] {
  let functions: Record<string, Record<string, unknown>>;
  try {
    functions = JSON.parse(text) as Record<string, Record<string, unknown>>;
  } catch {
    return [`env ${TOOL_FUNCTIONS_ENV}=${scalar(text)}`];
  }
  return Object.entries(functions).map(([tool, f]) => {
    const gpu = f.gpu === "none" ? "no GPU" : `GPU ${String(f.gpu)}`;
    const max = f.maxContainers === undefined ? "" : `, at most ${String(f.maxContainers)}`;
    return `modal function tool_${tool}: ${gpu}, ${String(f.minContainers)} warm${max}, scaledown ${String(f.scaledownWindow)} s`;
  });
}

/** Inputs that deserve a readable summary instead of their raw JSON. */
const SUMMARIES: Record<string, (value: unknown) => string[]> = {
  bindings: (value) =>
    rows(value).map((b) =>
      b.type === "durable_object_namespace"
        ? `binding ${String(b.name)} → Durable Object ${String(b.className)}`
        : b.type === "analytics_engine"
          ? `binding ${String(b.name)} → Analytics Engine dataset ${String(b.dataset)}`
          : b.type === "kv_namespace"
            ? `binding ${String(b.name)} → KV namespace ${String(b.namespaceId ?? b.namespace_id)}`
            : `binding ${String(b.name)} = ${scalar(b.text)}${b.type === "secret_text" ? " (secret_text)" : ""}`,
    ),
  modules: (value) =>
    rows(value).map((m) => `module ${String(m.name)} (${String(m.contentType)}, ${Math.round((String(m.contentBase64 ?? "").length * 3) / 4)} bytes)`),
  versions: (value) => rows(value).map((v) => `version ${String(v.versionId)} ← ${String(v.percentage)}%`),
  migrations: (value) =>
    rows(value).map((m) => {
      const { tag, ...steps } = m;
      return `migration ${String(tag)}: ${Object.entries(steps).map(([kind, classes]) => `${kind} ${scalar(classes)}`).join(", ")}`;
    }),
  upload: (value) => {
    const upload = (typeof value === "object" && value !== null ? value : {}) as Row;
    const bytes = Math.round((String(upload.contentBase64 ?? "").length * 3) / 4);
    return [`upload when a migration is pending: ${String(upload.release)} (${String(upload.mainModule)}, ${bytes} bytes) at 100%, bindings ${scalar(upload.bindings)}`];
  },
  environment: (value) => envLines(value),
  env: (value) => envLines(value),
  rules: (value) =>
    rows(value).map((r) => {
      const { id, status, ...rest } = r;
      return `rule${id === undefined ? "" : ` ${String(id)}`}${status === undefined ? "" : ` (${String(status)})`}: ${scalar(rest)}`;
    }),
  policy: (value) => {
    if (typeof value !== "string") return [`policy ${scalar(value)}`];
    const statements = rows((JSON.parse(value) as { Statement?: unknown }).Statement);
    return statements.map((s) => `allow ${[s.Action].flat().join(",")} on ${String(s.Resource)}${s.Condition ? ` if ${JSON.stringify(s.Condition)}` : ""}`);
  },
};

/** One line per key input of a resource. */
export function keyInputs(registration: Registration): string[] {
  const inputs = redact(registration.inputs) as Row;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    // `__defaults` and a dynamic resource's serialized `__provider` are engine plumbing, not inputs a reviewer set.
    if (value === undefined || key.startsWith("__")) continue;
    const summary = SUMMARIES[key];
    lines.push(...(summary && value !== SECRET_PLACEHOLDER ? summary(value) : [`${key}=${scalar(value)}`]));
  }
  return lines;
}

/** Parents first, each followed by its children sorted by type and name. */
export function inTreeOrder(registrations: Registration[]): { registration: Registration; depth: number }[] {
  const children = new Map<string, Registration[]>();
  for (const r of registrations) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const out: { registration: Registration; depth: number }[] = [];
  const visit = (r: Registration, depth: number) => {
    out.push({ registration: r, depth });
    const kids = (children.get(r.name) ?? []).sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    for (const kid of kids) visit(kid, depth + 1);
  };
  for (const r of registrations) if (!r.parent) visit(r, 0);
  return out;
}

/** The table of resources, each line fitted to `width` (a key input too long is cut with an ellipsis). */
export function renderTable(registrations: Registration[], width = outputWidth()): string {
  const table = inTreeOrder(registrations).map(({ registration: r, depth }) => ({
    type: `${"  ".repeat(depth)}${shortType(r.type)}`,
    name: r.name,
    parent: r.parent ?? "",
    inputs: keyInputs(r),
  }));
  const columns = {
    type: Math.max(4, ...table.map((row) => row.type.length)),
    name: Math.max(4, ...table.map((row) => row.name.length)),
    parent: Math.max(6, ...table.map((row) => row.parent.length)),
  };
  const line = (type: string, name: string, parent: string, input: string) =>
    fit(`${type.padEnd(columns.type)}  ${name.padEnd(columns.name)}  ${parent.padEnd(columns.parent)}  ${input}`.trimEnd(), width);
  const out = [line("TYPE", "NAME", "PARENT", "KEY INPUTS")];
  for (const row of table) {
    const [first = "", ...rest] = row.inputs;
    out.push(line(row.type, row.name, row.parent, first));
    for (const more of rest) out.push(line("", "", "", more));
  }
  return out.join("\n");
}

export function toJson(registrations: Registration[]): object[] {
  return inTreeOrder(registrations).map(({ registration: r }) => ({
    type: r.type,
    name: r.name,
    parent: r.parent ?? null,
    custom: r.custom,
    inputs: redact(r.inputs),
  }));
}
