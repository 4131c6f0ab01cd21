/**
 * Error text from a model API can quote the key it was given (OpenAI's 401
 * names a masked prefix and suffix of it). Nothing key-like leaves the
 * harness: the keys from the environment, and anything shaped like one.
 */
const KEY_VARIABLES = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"];
const KEY_SHAPED = /\b(?:sk|pk)-(?:[A-Za-z0-9_*-]|\.(?=[A-Za-z0-9*]))+/g;

export function redactCredentials(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of KEY_VARIABLES) {
    const key = env[name]?.trim();
    if (key && key.length >= 4) out = out.split(key).join("[redacted]");
  }
  return out.replace(KEY_SHAPED, "[redacted]");
}
