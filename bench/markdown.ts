/** The two things every table of the report is made of. */

/** A figure with `digits` decimals, or "–" when there is none. */
export const f = (value: number | undefined, digits = 2) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits));

export const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
