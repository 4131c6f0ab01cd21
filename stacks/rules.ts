/**
 * The zod building blocks every stack setting is made of, each with an error
 * message that says what was wrong and what was expected. Shared by the stack
 * schema (schema.ts) and the cost block (cost/assumptions.ts).
 */
import * as z from "zod";

/** Renders a config value inside an error message. */
export function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function pattern(re: RegExp, expected: string) {
  return z.string().regex(re, { error: (iss) => `${show(iss.input)} is not ${expected}` });
}

export function int(min: number, max: number) {
  return z
    .number()
    .int({ error: (iss) => `${show(iss.input)} is not a whole number (expected ${min}..${max})` })
    .min(min, { error: (iss) => `${show(iss.input)} is below ${min} (expected ${min}..${max})` })
    .max(max, { error: (iss) => `${show(iss.input)} is above ${max} (expected ${min}..${max})` });
}

/** A number, fractions allowed, within [min, max]. */
export function decimal(min: number, max: number) {
  return z
    .number({ error: (iss) => (iss.input === undefined ? undefined : `${show(iss.input)} is not a number (expected ${min}..${max})`) })
    .min(min, { error: (iss) => `${show(iss.input)} is below ${min} (expected ${min}..${max})` })
    .max(max, { error: (iss) => `${show(iss.input)} is above ${max} (expected ${min}..${max})` });
}

/** An object that refuses unknown keys and names the keys it knows. */
export function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? `expected one of ${known}` : undefined),
  });
}

/** An https:// URL without query or fragment; `describe` says what it is, for the error message. */
export function httpsUrl(describe: (value: string) => string) {
  return z.string().superRefine((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== "https:" || url.search || value.includes("#")) ctx.addIssue({ code: "custom", message: describe(value) });
  });
}
