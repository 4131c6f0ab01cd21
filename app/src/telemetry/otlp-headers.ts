/**
 * OTEL_EXPORTER_OTLP_HEADERS as the OpenTelemetry SDK configuration spec
 * writes it: `key1=value1,key2=value2`, values percent-decoded. The values
 * are secrets (API keys), so a message about them never quotes one.
 */
export class OtlpHeadersError extends Error {
  override name = "OtlpHeadersError";
}

export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const member of (text ?? "").split(",")) {
    if (member.trim() === "") continue;
    const equals = member.indexOf("=");
    const key = member.slice(0, Math.max(equals, 0)).trim();
    if (equals < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      throw new OtlpHeadersError("expected key=value pairs separated by commas, e.g. x-api-key=… (values are not shown: they are secrets)");
    }
    try {
      headers[key.toLowerCase()] = decodeURIComponent(member.slice(equals + 1).trim());
    } catch {
      throw new OtlpHeadersError(`the value of ${key} is not percent-encoded text (values are not shown: they are secrets)`);
    }
  }
  return headers;
}
