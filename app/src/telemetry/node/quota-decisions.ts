/**
 * `mcp_hosting.quota.decisions` on Node: a counter per tool and outcome, shown
 * by `/metrics` beside the duration histogram, in the Prometheus text format
 * (a counter's samples end in `_total`). Never labelled with a principal or a tenant.
 */
import { MCP_ATTRIBUTES, QUOTA_DECISIONS } from "../conventions.ts";
import type { QuotaDecisionSink, QuotaOutcome } from "../../server/quotas.ts";
import { labels, prometheusName } from "./prometheus-text.ts";

export class QuotaDecisionCount implements QuotaDecisionSink {
  readonly #counts = new Map<string, { tool: string; outcome: QuotaOutcome; count: number }>();

  record(tool: string, outcome: QuotaOutcome): void {
    const key = `${tool}\u0000${outcome}`;
    const entry = this.#counts.get(key);
    if (entry === undefined) this.#counts.set(key, { tool, outcome, count: 1 });
    else entry.count++;
  }

  /** The counter's exposition; empty until a decision was made (no quotas, no series). */
  exposition(): string {
    if (this.#counts.size === 0) return "";
    const name = prometheusName(QUOTA_DECISIONS.name);
    const lines = [`# HELP ${name} ${QUOTA_DECISIONS.description}`, `# TYPE ${name} counter`];
    for (const { tool, outcome, count } of this.#counts.values()) {
      lines.push(`${name}_total${labels({ [MCP_ATTRIBUTES.toolName]: tool, [QUOTA_DECISIONS.outcome]: outcome })} ${count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
