/**
 * Output that fits the reader's terminal: the commands' tables and prose are
 * fitted to its width (a table cell too long is cut with an ellipsis, prose is
 * wrapped). `--json` is never fitted.
 */

/**
 * The terminal's width, or `COLUMNS` when set; never under 60. Output that goes
 * to a file or a pipe without `COLUMNS` is not fitted (Infinity): grep and CI
 * logs want whole lines.
 */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env["COLUMNS"]);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.max(60, fromEnv);
  return stream.isTTY && stream.columns ? Math.max(60, stream.columns) : Infinity;
}

/** `text` cut to `width` characters, the last one an ellipsis when cut. */
export function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/** Prose wrapped at spaces to `width`; continuation lines start with `indent`. */
export function wrap(text: string, width: number, indent = ""): string[] {
  if (text.length <= width) return [text];
  const lead = /^\s*/.exec(text)?.[0] ?? "";
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(" ")) {
    const candidate = line.trim() === "" ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length > width && line.trim() !== "") {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Rows as aligned columns (the last `right` columns right-aligned) no wider than
 * `width`: while too wide, the widest left-aligned column gives up characters,
 * its longer cells cut with an ellipsis.
 */
export function fitColumns(rows: string[][], right: number, width: number, gap = 2): string[] {
  const count = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(0, ...rows.map((row) => row[i]?.length ?? 0)));
  const shrinkable = widths.map((_, i) => i < count - right);
  const total = () => widths.reduce((sum, w) => sum + w, 0) + gap * (count - 1);
  while (total() > width) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (shrinkable[i] && w > 12 && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = widths[widest]! - 1;
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const fitted = clip(cell, widths[i] ?? 0);
        return i >= row.length - right ? fitted.padStart(widths[i] ?? 0) : fitted.padEnd(widths[i] ?? 0);
      })
      .join(" ".repeat(gap))
      .trimEnd(),
  );
}
