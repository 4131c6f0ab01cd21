import { z } from "zod";
import { headerWidth, MAX_CSV_COLUMNS } from "./csv.ts";
import { defineTool } from "./define.ts";

/** Most numeric columns clustered at once; MAX_FEATURES in app/modal/csv_cluster.py says the same. */
export const MAX_CLUSTER_COLUMNS = 100;

/**
 * Implemented in Python with PyTorch (`app/modal/csv_cluster.py`): on a GPU when
 * its Modal Function has one, on the CPU otherwise, with no change of code.
 * Its own Modal Function, because torch is a 2 GB import the web function should
 * not carry; a T4 by default, which a stack replaces per stack (`modal.tools`).
 */
export const csvCluster = defineTool({
  name: "csv_cluster",
  placement: "modal",
  description:
    "Groups the rows of CSV text into k clusters by their numeric columns (k-means, k-means++ seeding, columns " +
    "standardised first). Returns each cluster's size, share of rows and centroid in the columns' own units, " +
    "sorted largest first, plus the rows skipped for a missing number. Uses every numeric column unless `columns` " +
    "names some. Use it to find segments or groups in a data set; run csv_profile first to see which columns are numeric.",
  input: z
    .object({
      csv: z.string().min(1).max(4_000_000).describe(`The CSV text, header row first (at most ${MAX_CSV_COLUMNS} columns).`),
      k: z.number().int().min(2).max(50).default(3).describe("How many clusters."),
      columns: z.array(z.string().min(1)).min(1).max(MAX_CLUSTER_COLUMNS).optional().describe("The numeric columns to cluster by; all numeric columns when omitted."),
      delimiter: z.string().length(1).optional().describe("Field delimiter; detected when omitted."),
      max_rows: z.number().int().min(1).max(200_000).optional().describe("Cluster only the first N data rows."),
      max_iterations: z.number().int().min(1).max(1000).default(100).describe("Most k-means iterations."),
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(0).describe("Seed of the k-means++ seeding: the same input and seed give the same clusters."),
    })
    .refine((input) => headerWidth(input.csv, input.delimiter) <= MAX_CSV_COLUMNS, {
      path: ["csv"],
      message: `the header row has more than ${MAX_CSV_COLUMNS} columns`,
    }),
  example: { csv: "height,weight\n150,50\n152,52\n151,49\n180,80\n182,83\n181,79\n", k: 2 },
  // Seconds on a cold GPU: a client that takes tasks gets a task at once and polls it (Node; docs/architecture.md, "Tasks").
  task: "optional",
  compute: { gpu: "T4", cpu: 2, memoryMb: 4096, timeoutSeconds: 300, packages: ["torch"], memorySnapshot: true },
});
