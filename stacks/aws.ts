/**
 * AWS facts the stack model validates against: the regions are the AWS
 * provider's own list (`Region` in @pulumi/aws types/enums), so a region the
 * pinned provider does not know fails here, before `pulumi up` does.
 */
import { Region } from "@pulumi/aws/types/enums/index.js";
import * as z from "zod";
import { show } from "./rules.ts";

export const AWS_REGIONS: readonly string[] = Object.values(Region);

export const awsRegion = z.string().refine((value) => AWS_REGIONS.includes(value), {
  error: (iss) => `${show(iss.input)} is not an AWS region (expected one of ${AWS_REGIONS.join(", ")})`,
});

/** Problems with the provider settings Pulumi reads from the same stack file (`aws:region`). */
export function providerSettingIssues(config: Record<string, unknown>): string[] {
  const region = config["aws:region"];
  if (region === undefined) return [];
  const parsed = awsRegion.safeParse(region);
  return parsed.success ? [] : [`aws:region: ${parsed.error.issues[0]?.message ?? "is not an AWS region"}`];
}
