/**
 * Cloudflare: the Workers Paid plan, Worker requests and CPU time, and the
 * McpSession / PrincipalState Durable Objects (requests, duration, SQLite storage).
 */
import type { StackConfig } from "../schema.ts";
import type { Assumptions } from "./assumptions.ts";
import { type CostLine, usageLine } from "./line.ts";
import type { PriceBook } from "./price-book.ts";

/** Durable Object duration is billed for 128 MB, as GB-s (Cloudflare's own examples use 128 MB / 1 GB). */
export const DURABLE_OBJECT_GB = 0.128;

/** Seconds a Durable Object stays active per tool call: its own requests, plus waiting on Fly or Modal. */
export function durableObjectSecondsPerCall(a: Assumptions): number {
  const edge = (a.workerRequestsPerCall * a.edgeCpuMs) / 1000;
  return edge + a.placement.fly * (a.flyResponseMs / 1000) + a.placement.modal * a.modalSeconds;
}

export function cloudflareLines(config: StackConfig, a: Assumptions, book: PriceBook): CostLine[] {
  const platform = "cloudflare" as const;
  const requests = a.toolCallsPerMonth * a.workerRequestsPerCall;
  const versions = Object.keys(config.apiVersions).length;
  return [
    usageLine(book, {
      platform,
      driver: "cloudflare.plan",
      label: "Workers Paid plan base fee (per account, shared with its other Workers)",
      quantity: 1,
      price: "workersPaidPlan",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.requests",
      label: `Worker requests (${versions} API version${versions === 1 ? "" : "s"})`,
      quantity: requests,
      price: "workerRequests",
      allowance: "workerRequests",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.cpu",
      label: `Worker CPU time, ${a.edgeCpuMs} ms per request`,
      quantity: requests * a.edgeCpuMs,
      price: "workerCpuMs",
      allowance: "workerCpuMs",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.durableObjectRequests",
      label: "Durable Object requests (McpSession, PrincipalState)",
      quantity: requests,
      price: "durableObjectRequests",
      allowance: "durableObjectRequests",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.durableObjectDuration",
      label: `Durable Object duration, ${round(durableObjectSecondsPerCall(a))} s active per call at 128 MB`,
      quantity: a.toolCallsPerMonth * durableObjectSecondsPerCall(a) * DURABLE_OBJECT_GB,
      price: "durableObjectDuration",
      allowance: "durableObjectDuration",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.durableObjectStorage",
      label: "Durable Object SQLite storage",
      quantity: a.durableObjectStorageGb,
      price: "durableObjectStorage",
      allowance: "durableObjectStorage",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.durableObjectRowsWritten",
      label: `Durable Object rows written, ${a.rowsWrittenPerCall} per call`,
      quantity: a.toolCallsPerMonth * a.rowsWrittenPerCall,
      price: "durableObjectRowsWritten",
      allowance: "durableObjectRowsWritten",
    }),
    usageLine(book, {
      platform,
      driver: "cloudflare.durableObjectRowsRead",
      label: `Durable Object rows read, ${a.rowsReadPerCall} per call`,
      quantity: a.toolCallsPerMonth * a.rowsReadPerCall,
      price: "durableObjectRowsRead",
      allowance: "durableObjectRowsRead",
    }),
  ];
}

function round(value: number): number {
  return Number(value.toPrecision(3));
}
