/**
 * A local stand-in for Prometheus on Fly.io: it keeps the samples of scraped
 * `/metrics` expositions (with the `app`, `region` and `instance` labels Fly
 * adds to every series) and answers the instant queries the guard and
 * `status` send to `/api/v1/query`:
 *
 *   sum by (<labels>) (increase(<metric>{<label>="<value>",…}[<n>s]))
 *   histogram_quantile(<q>, sum by (<labels>, le) (increase(<metric>_bucket{…}[<n>s])))
 *
 * `increase` is MetricsQL's (Fly's Prometheus is VictoriaMetrics): no
 * extrapolation, counter resets handled, and a series that starts inside the
 * window counts from zero. Other queries get Prometheus's `bad_data` error.
 */

export type Labels = Record<string, string>;

export class PromQlError extends Error {
  override name = "PromQlError";
}

interface Series {
  labels: Labels;
  samples: [number, number][];
}

function parseLabels(text: string | undefined): Labels {
  const labels: Labels = {};
  for (const match of (text ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1]!] = match[2]!.replace(/\\n/g, "\n").replace(/\\(.)/g, "$1");
  }
  return labels;
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

/** MetricsQL's increase over (t - range, t]: the last sample before the window, or zero, is where it starts. */
function increase(samples: [number, number][], t: number, rangeMs: number): number | undefined {
  const inside = samples.filter(([at]) => at > t - rangeMs && at <= t);
  if (inside.length === 0) return undefined;
  let previous = samples.filter(([at]) => at <= t - rangeMs).at(-1)?.[1] ?? 0;
  let total = 0;
  for (const [, value] of inside) {
    total += value >= previous ? value - previous : value;
    previous = value;
  }
  return total;
}

/** Prometheus's histogram_quantile: linear interpolation inside the bucket the rank falls in. */
export function histogramQuantile(q: number, buckets: [number, number][]): number {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0 || sorted.at(-1)?.[0] !== Number.POSITIVE_INFINITY) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, Number.MIN_VALUE));
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

const SELECTOR = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\[(\d+)s\]$/;

export class PrometheusStore {
  readonly #series = new Map<string, Series>();

  /** Takes one scrape of a text exposition at `at` (ms), with the labels the scraper adds. */
  ingest(exposition: string, at: number, added: Labels = {}): void {
    for (const line of exposition.split("\n")) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line.trim());
      if (match === null || line.startsWith("#")) continue;
      const labels = { ...parseLabels(match[2]), ...added, __name__: match[1]! };
      const key = keyOf(labels);
      const series: Series = this.#series.get(key) ?? { labels, samples: [] };
      series.samples.push([at, match[3] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[3])]);
      this.#series.set(key, series);
    }
  }

  /** An instant query at `t` (ms): Prometheus's vector result. */
  query(promql: string, t: number): { metric: Labels; value: [number, string] }[] {
    const text = promql.replace(/\s+/g, " ").trim();
    const quantile = /^histogram_quantile\(\s*([0-9.]+)\s*,\s*(sum by \(.*\) \(increase\(.*\)\))\s*\)$/.exec(text);
    if (quantile) {
      const byLe = this.#sumIncrease(quantile[2]!, t);
      const groups = new Map<string, { metric: Labels; buckets: [number, number][] }>();
      for (const { metric, value } of byLe) {
        const { le, ...rest } = metric;
        if (le === undefined) throw new PromQlError("histogram_quantile needs the le label in its by clause");
        const group = groups.get(keyOf(rest)) ?? { metric: rest, buckets: [] };
        group.buckets.push([le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), value]);
        groups.set(keyOf(rest), group);
      }
      return [...groups.values()].map(({ metric, buckets }) => ({ metric, value: [t / 1000, String(histogramQuantile(Number(quantile[1]), buckets))] }));
    }
    return this.#sumIncrease(text, t).map(({ metric, value }) => ({ metric, value: [t / 1000, String(value)] }));
  }

  #sumIncrease(text: string, t: number): { metric: Labels; value: number }[] {
    const match = /^sum by \(([^)]*)\) \(increase\((.*)\)\)$/.exec(text);
    const selector = match ? SELECTOR.exec(match[2]!.replace(/\s/g, "")) : null;
    if (match === null || selector === null) throw new PromQlError(`unsupported query in this local stand-in: ${text}`);
    const by = match[1]!.split(",").map((label) => label.trim()).filter(Boolean);
    const matchers = parseLabels(selector[2]);
    const groups = new Map<string, { metric: Labels; value: number }>();
    for (const series of this.#series.values()) {
      if (series.labels.__name__ !== selector[1] || !Object.entries(matchers).every(([key, value]) => (series.labels[key] ?? "") === value)) continue;
      const grown = increase(series.samples, t, Number(selector[3]) * 1000);
      if (grown === undefined) continue;
      const metric = Object.fromEntries(by.filter((label) => series.labels[label] !== undefined && series.labels[label] !== "").map((label) => [label, series.labels[label]!]));
      const group = groups.get(keyOf(metric)) ?? { metric, value: 0 };
      group.value += grown;
      groups.set(keyOf(metric), group);
    }
    return [...groups.values()];
  }
}
