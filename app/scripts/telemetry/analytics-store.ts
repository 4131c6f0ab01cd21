/**
 * A local stand-in for Workers Analytics Engine: it keeps data points as the
 * dataset's table holds them (timestamp, index1, blob1…20, double1…20,
 * _sample_interval; Cloudflare docs, Analytics Engine SQL API, "Table
 * structure") and answers the subset of the SQL API that the guard and
 * `status` send: columns and aliases, `SUM(_sample_interval)`, `count()`,
 * `quantileExactWeighted(q)(column, _sample_interval)`, `=` on columns,
 * `timestamp > NOW() - INTERVAL 'n' <unit>`, GROUP BY, FORMAT JSON.
 * Anything else is refused as the real API refuses SQL it cannot run: 400 with a message.
 */

export interface DataPoint {
  indexes?: string[];
  blobs?: (string | null)[];
  doubles?: number[];
}

export interface Row {
  timestamp: number;
  _sample_interval: number;
  index1: string;
  [column: string]: string | number;
}

export class SqlError extends Error {
  override name = "SqlError";
}

type Item = { alias: string; kind: "column"; column: string } | { alias: string; kind: "sum" | "count" } | { alias: string; kind: "quantile"; q: number; column: string };
type Condition = { kind: "equals"; column: string; value: string } | { kind: "since"; seconds: number };

const UNITS: Record<string, number> = { SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86400 };

function parseItem(text: string): Item {
  const match = /^(.+?)(?:\s+AS\s+([a-z_][a-z0-9_]*))?$/i.exec(text.trim());
  const expression = match?.[1]?.trim() ?? "";
  const alias = match?.[2];
  if (/^[a-z_][a-z0-9_]*$/i.test(expression)) return { kind: "column", column: expression, alias: alias ?? expression };
  if (alias === undefined) throw new SqlError(`an aggregate needs an alias in this local stand-in: ${text.trim()}`);
  if (/^SUM\(\s*_sample_interval\s*\)$/i.test(expression)) return { kind: "sum", alias };
  if (/^count\(\s*\)$/i.test(expression)) return { kind: "count", alias };
  const quantile = /^quantileExactWeighted\(\s*([0-9.]+)\s*\)\(\s*([a-z_][a-z0-9_]*)\s*,\s*_sample_interval\s*\)$/i.exec(expression);
  if (quantile) return { kind: "quantile", q: Number(quantile[1]), column: quantile[2]!, alias };
  throw new SqlError(`unsupported expression in this local stand-in: ${expression}`);
}

function parseCondition(text: string): Condition {
  const equals = /^([a-z_][a-z0-9_]*)\s*=\s*'((?:[^'\\]|\\.)*)'$/i.exec(text.trim());
  if (equals) return { kind: "equals", column: equals[1]!, value: equals[2]!.replace(/\\(.)/g, "$1") };
  const since = /^timestamp\s*>\s*NOW\(\)\s*-\s*INTERVAL\s*'(\d+)'\s*(SECOND|MINUTE|HOUR|DAY)$/i.exec(text.trim());
  if (since) return { kind: "since", seconds: Number(since[1]) * UNITS[since[2]!.toUpperCase()]! };
  throw new SqlError(`unsupported condition in this local stand-in: ${text.trim()}`);
}

/** The weighted quantile as ClickHouse's quantileExactWeighted takes it: the first value whose cumulative weight passes q of the total. */
function weightedQuantile(values: [number, number][], q: number): number {
  const sorted = [...values].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, weight]) => sum + weight, 0);
  let seen = 0;
  for (const [value, weight] of sorted) {
    seen += weight;
    if (seen >= q * total) return value;
  }
  return sorted.at(-1)?.[0] ?? Number.NaN;
}

export class AnalyticsStore {
  readonly #tables = new Map<string, Row[]>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Stores points as the dataset would, at `timestamp` (ms) or now; a point stands for `sampleInterval` calls. */
  write(dataset: string, points: DataPoint[], timestamp = this.#now(), sampleInterval = 1): void {
    const rows = this.#tables.get(dataset) ?? [];
    for (const point of points) {
      const row: Row = { timestamp, _sample_interval: sampleInterval, index1: point.indexes?.[0] ?? "" };
      for (let i = 1; i <= 20; i += 1) {
        row[`blob${i}`] = point.blobs?.[i - 1] ?? "";
        row[`double${i}`] = point.doubles?.[i - 1] ?? 0;
      }
      rows.push(row);
    }
    this.#tables.set(dataset, rows);
  }

  get datasets(): string[] {
    return [...this.#tables.keys()];
  }

  /** The rows of a dataset as stored (timestamps in ms). */
  rows(dataset: string): readonly Row[] {
    return this.#tables.get(dataset) ?? [];
  }

  /** Runs one query; the answer is what `FORMAT JSON` returns. */
  query(sql: string): { meta: { name: string; type: string }[]; data: Record<string, string | number>[]; rows: number } {
    const match = /^\s*SELECT\s+(.+?)\s+FROM\s+([a-z_][a-z0-9_]*)(?:\s+WHERE\s+(.+?))?(?:\s+GROUP\s+BY\s+(.+?))?(?:\s+FORMAT\s+JSON)?\s*;?\s*$/is.exec(sql);
    if (match === null) throw new SqlError("expected SELECT … FROM <dataset> [WHERE …] [GROUP BY …] [FORMAT JSON]");
    const items = match[1]!.split(/,(?![^(]*\))/).map(parseItem);
    const conditions = (match[3] ?? "").split(/\s+AND\s+/i).filter((part) => part.trim() !== "").map(parseCondition);
    const groupBy = (match[4] ?? "").split(",").map((part) => part.trim()).filter(Boolean);
    const now = this.#now();
    const rows = (this.#tables.get(match[2]!) ?? []).filter((row) =>
      conditions.every((condition) => (condition.kind === "equals" ? String(row[condition.column]) === condition.value : row.timestamp > now - condition.seconds * 1000)),
    );
    const columnOf = (name: string) => {
      const item = items.find((candidate) => candidate.alias === name);
      return item?.kind === "column" ? item.column : name;
    };
    const aggregates = items.some((item) => item.kind !== "column");
    const groups = new Map<string, Row[]>();
    rows.forEach((row, i) => {
      // Without GROUP BY, aggregates make one group of everything; plain columns keep one row each.
      const key = groupBy.length > 0 || aggregates ? JSON.stringify(groupBy.map((name) => row[columnOf(name)])) : String(i);
      groups.set(key, [...(groups.get(key) ?? []), row]);
    });
    if (aggregates && groupBy.length === 0 && groups.size === 0) groups.set("[]", []);
    const data = [...groups.values()].map((group) =>
      Object.fromEntries(
        items.map((item): [string, string | number] => {
          if (item.kind === "column") return [item.alias, group[0]?.[item.column] ?? ""];
          // ClickHouse's JSON output quotes 64-bit integers; a Float64 stays a number.
          if (item.kind === "sum") return [item.alias, String(group.reduce((sum, row) => sum + row._sample_interval, 0))];
          if (item.kind === "count") return [item.alias, String(group.length)];
          if (item.kind !== "quantile") throw new SqlError("unreachable");
          return [item.alias, weightedQuantile(group.map((row) => [Number(row[item.column]), row._sample_interval]), item.q)];
        }),
      ),
    );
    const meta = items.map((item) => ({ name: item.alias, type: item.kind === "column" ? (item.column.startsWith("double") ? "Float64" : "String") : item.kind === "quantile" ? "Float64" : "UInt64" }));
    return { meta, data, rows: data.length };
  }
}
