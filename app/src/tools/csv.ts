import { z } from "zod";
import { defineTool } from "./define.ts";

/** Implemented in Python (`app/modal/compute.py`); every runtime reaches it over signed HTTPS. */
export const csvProfile = defineTool({
  name: "csv_profile",
  placement: "modal",
  description:
    "Profiles CSV text: for each column its inferred type (integer, number, boolean, datetime, string), count of " +
    "values, nulls, distinct values, min/max/mean/stddev and quantiles (p25, p50, p75, p90, p99) for numbers, and the " +
    "most frequent values for strings. The first row must be a header. Use it before analysing a data set.",
  input: z.object({
    csv: z.string().min(1).max(4_000_000).describe("The CSV text, header row first."),
    delimiter: z.string().length(1).optional().describe("Field delimiter; detected when omitted."),
    max_rows: z.number().int().min(1).max(200_000).optional().describe("Profile only the first N data rows."),
  }),
  example: { csv: "city,temp\nOslo,4.5\nLima,19\nCairo,\n" },
});
