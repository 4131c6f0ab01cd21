/**
 * OpenTelemetry histograms in the Prometheus text exposition format
 * (prometheus.io/docs/instrumenting/exposition_formats), named as
 * OpenTelemetry's Prometheus compatibility spec says: dots and other
 * characters become `_`, and the unit `s` becomes the suffix `_seconds`, so
 * `mcp.server.operation.duration` is `mcp_server_operation_duration_seconds`
 * and `gen_ai.tool.name` the label `gen_ai_tool_name`.
 */
import { DataPointType, type ResourceMetrics } from "@opentelemetry/sdk-metrics";

const UNIT_SUFFIXES: Record<string, string> = { s: "seconds", ms: "milliseconds", By: "bytes" };

export function prometheusName(name: string, unit?: string): string {
  const base = name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/_+/g, "_");
  const suffix = unit === undefined ? undefined : UNIT_SUFFIXES[unit];
  return suffix && !base.endsWith(`_${suffix}`) ? `${base}_${suffix}` : base;
}

const labelName = (key: string): string => key.replace(/[^a-zA-Z0-9_]/g, "_").replace(/^(\d)/, "_$1");
const labelValue = (value: unknown): string => String(value).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labels(attributes: Record<string, unknown>, extra: [string, string][] = []): string {
  const pairs = [...Object.entries(attributes).map(([key, value]): [string, string] => [labelName(key), labelValue(value)]), ...extra];
  return pairs.length === 0 ? "" : `{${pairs.map(([key, value]) => `${key}="${value}"`).join(",")}}`;
}

const number = (value: number): string => (value === Number.POSITIVE_INFINITY ? "+Inf" : String(value));

export function prometheusText(resourceMetrics: ResourceMetrics): string {
  const lines: string[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      const name = prometheusName(metric.descriptor.name, metric.descriptor.unit);
      lines.push(`# HELP ${name} ${metric.descriptor.description.replace(/\n/g, " ")}`, `# TYPE ${name} histogram`);
      for (const point of metric.dataPoints) {
        const { boundaries, counts } = point.value.buckets;
        let cumulative = 0;
        boundaries.forEach((bound, i) => {
          cumulative += counts[i] ?? 0;
          lines.push(`${name}_bucket${labels(point.attributes, [["le", number(bound)]])} ${cumulative}`);
        });
        lines.push(`${name}_bucket${labels(point.attributes, [["le", "+Inf"]])} ${point.value.count}`);
        lines.push(`${name}_sum${labels(point.attributes)} ${point.value.sum ?? 0}`);
        lines.push(`${name}_count${labels(point.attributes)} ${point.value.count}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}
