import { z } from "zod";
import { defineTool } from "./define.ts";

/** Most columns profiled; `MAX_COLUMNS` in app/modal/compute.py says the same, and the Python side counts exactly. */
export const MAX_CSV_COLUMNS = 1000;

/** Delimiters the profiler detects when none is given (compute.py's SNIFF_DELIMITERS). */
const DETECTED_DELIMITERS = [",", ";", "\t", "|"];

/**
 * The widest the header row can be: its fields for the given delimiter, or
 * for whichever detected one splits it most. Quotes are honoured; one
 * linear pass over the first row only, so a 3 MB header of 1,000,000 columns
 * is refused before anything is sent to the profiler.
 */
export function headerWidth(csv: string, delimiter?: string): number {
  const candidates = delimiter === undefined ? DETECTED_DELIMITERS : [delimiter];
  const counts = new Map(candidates.map((candidate) => [candidate, 1]));
  let quoted = false;
  for (let i = csv.charCodeAt(0) === 0xfeff ? 1 : 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  return Math.max(...counts.values());
}

/** Implemented in Python (`app/modal/compute.py`); every runtime reaches it over signed HTTPS. */
export const csvProfile = defineTool({
  name: "csv_profile",
  placement: "modal",
  description:
    "Profiles CSV text: for each column its inferred type (integer, number, boolean, datetime, string), count of " +
    "values, nulls, distinct values, min/max/mean/stddev and quantiles (p25, p50, p75, p90, p99) for numbers, and the " +
    `most frequent values for strings. The first row must be a header, of at most ${MAX_CSV_COLUMNS} columns; texts ` +
    "longer than 200 characters are cut in the answer. Use it before analysing a data set.",
  input: z
    .object({
      csv: z.string().min(1).max(4_000_000).describe(`The CSV text, header row first (at most ${MAX_CSV_COLUMNS} columns).`),
      delimiter: z.string().length(1).optional().describe("Field delimiter; detected when omitted."),
      max_rows: z.number().int().min(1).max(200_000).optional().describe("Profile only the first N data rows."),
    })
    .refine((input) => headerWidth(input.csv, input.delimiter) <= MAX_CSV_COLUMNS, {
      path: ["csv"],
      message: `the header row has more than ${MAX_CSV_COLUMNS} columns; profile at most ${MAX_CSV_COLUMNS} (select the columns you need first)`,
    }),
  example: { csv: "city,temp\nOslo,4.5\nLima,19\nCairo,\n" },
});
