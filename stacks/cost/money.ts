/** How amounts and quantities read in every output of the cost estimate. */

/** $1,234.56; amounts under a cent keep four decimals so they do not read as zero. */
export function usd(amount: number): string {
  const abs = Math.abs(amount);
  const digits = abs > 0 && abs < 0.01 ? 4 : 2;
  const text = abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: digits });
  return `${amount < 0 && Number(text.replace(/,/g, "")) > 0 ? "-" : ""}$${text}`;
}

/** +$1.50, -$0.25, ±$0.00 */
export function signedUsd(delta: number): string {
  if (Math.abs(delta) < 0.00005) return "±$0.00";
  return `${delta > 0 ? "+" : "-"}${usd(Math.abs(delta))}`;
}

/** 1,000,000; 0.06; 2,592,000 */
export function amount(quantity: number): string {
  return quantity.toLocaleString("en-US", { maximumFractionDigits: Math.abs(quantity) >= 100 ? 0 : 4 });
}
