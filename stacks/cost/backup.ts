/**
 * S3: the Litestream backup bucket, storage and requests. Prices are
 * us-east-1's; the bucket's region may differ (see prices.json).
 */
import type { StackConfig } from "../schema.ts";
import type { Assumptions } from "./assumptions.ts";
import { type CostLine, usageLine } from "./line.ts";
import type { PriceBook } from "./price-book.ts";

export function backupLines(config: StackConfig, a: Assumptions, book: PriceBook): CostLine[] {
  const platform = "s3" as const;
  const bucket = `${config.backup.bucket} (${config.backup.region})`;
  return [
    usageLine(book, { platform, driver: "s3.storage", label: `backup storage in ${bucket}`, quantity: a.backupGb, price: "s3Storage" }),
    usageLine(book, { platform, driver: "s3.puts", label: "Litestream PUT/LIST requests", quantity: a.backupPutsPerMonth, price: "s3PutRequests" }),
    usageLine(book, { platform, driver: "s3.gets", label: "GET requests (restores, checks)", quantity: a.backupGetsPerMonth, price: "s3GetRequests" }),
  ];
}
