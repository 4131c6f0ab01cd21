/**
 * Histograms in the Prometheus text exposition format
 * (prometheus.io/docs/instrumenting/exposition_formats), named as
 * OpenTelemetry's Prometheus compatibility spec says: dots and other
 * characters become `_`, and the unit `s` becomes the suffix `_seconds`, so
 * `mcp.server.operation.duration` is `mcp_server_operation_duration_seconds`
 * and `gen_ai.tool.name` the label `gen_ai_tool_name`.
 */

const UNIT_SUFFIXES: Record<string, string> = { s: "seconds", ms: "milliseconds", By: "bytes" };

export function prometheusName(name: string, unit?: string): string {
  const base = name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/_+/g, "_");
  const suffix = unit === undefined ? undefined : UNIT_SUFFIXES[unit];
  return suffix && !base.endsWith(`_${suffix}`) ? `${base}_${suffix}` : base;
}

/** What a histogram is, named as OpenTelemetry names instruments. */
export interface HistogramDescriptor {
  name: string;
  unit: string;
  description: string;
  /** Upper bounds of the buckets, ascending; a last bucket above them is implied. */
  boundaries: readonly number[];
}

/** One attribute set's counts: `counts[i]` falls in bucket i (the last one: above every boundary). */
export interface HistogramSeries {
  attributes: Record<string, unknown>;
  counts: number[];
  sum: number;
  count: number;
}

const labelName = (key: string): string => key.replace(/[^a-zA-Z0-9_]/g, "_").replace(/^(\d)/, "_$1");
const labelValue = (value: unknown): string => String(value).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

export function labels(attributes: Record<string, unknown>, extra: [string, string][] = []): string {
  const pairs = [...Object.entries(attributes).map(([key, value]): [string, string] => [labelName(key), labelValue(value)]), ...extra];
  return pairs.length === 0 ? "" : `{${pairs.map(([key, value]) => `${key}="${value}"`).join(",")}}`;
}

export function prometheusText(histogram: HistogramDescriptor, series: readonly HistogramSeries[]): string {
  const name = prometheusName(histogram.name, histogram.unit);
  const lines = [`# HELP ${name} ${histogram.description.replace(/\n/g, " ")}`, `# TYPE ${name} histogram`];
  for (const point of series) {
    let cumulative = 0;
    histogram.boundaries.forEach((bound, i) => {
      cumulative += point.counts[i] ?? 0;
      lines.push(`${name}_bucket${labels(point.attributes, [["le", String(bound)]])} ${cumulative}`);
    });
    lines.push(`${name}_bucket${labels(point.attributes, [["le", "+Inf"]])} ${point.count}`);
    lines.push(`${name}_sum${labels(point.attributes)} ${point.sum}`);
    lines.push(`${name}_count${labels(point.attributes)} ${point.count}`);
  }
  return `${lines.join("\n")}\n`;
}
