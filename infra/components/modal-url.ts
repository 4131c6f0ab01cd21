/**
 * The web endpoint of a deployed Modal app, known before the deploy: Modal
 * documents how it builds the URL (modal.com/docs/guide/webhook-urls), so the
 * program computes it from the workspace, the environment's web suffix and the
 * web function's label. A shell check run after `modal deploy` compares it with
 * what Modal itself reports, so a wrong workspace or suffix fails the deploy.
 */
import { createHash } from "node:crypto";

export interface ModalWebUrlParts {
  /** The workspace, as it appears in web URLs. @example "acme" */
  workspace: string;
  /** The environment's web suffix; "" for the one environment without. @example "prod" */
  webSuffix: string;
  /** The web function's label (`@modal.asgi_app(label=…)`). @example "mcp-prod-v1-blue" */
  label: string;
}

// py/modal/_utils/name_utils.py (subdomain_regex, "rfc1035"): lowercase letters,
// digits and dashes, no leading or trailing dash, not all digits, at most 63.
const SUBDOMAIN_LABEL = /^(?![0-9]+$)(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why `label` cannot be a Modal web label, or undefined when it can. */
export function labelProblem(label: string): string | undefined {
  if (SUBDOMAIN_LABEL.test(label)) return undefined;
  return `${JSON.stringify(label)} is not a Modal web label (expected 1-63 of a-z 0-9 -, not starting or ending with -, not all digits)`;
}

/**
 * `https://<workspace>[-<suffix>]--<label>.modal.run` (webhook-urls, "Auto-generated
 * URLs"; the environments guide, "Environment web suffixes": one environment may
 * have no suffix). The docs' truncation rule: a subdomain label longer than 63
 * characters is cut to 56 and joined by a dash to the first 6 hex characters of
 * the SHA-256 of the whole label. "Subdomain label" is read as the DNS label, i.e.
 * everything before `.modal.run`, the only part DNS limits to 63 (RFC 1035).
 */
export function modalWebUrl(parts: ModalWebUrlParts): string {
  const source = parts.webSuffix === "" ? parts.workspace : `${parts.workspace}-${parts.webSuffix}`;
  const subdomain = `${source}--${parts.label}`;
  if (subdomain.length <= 63) return `https://${subdomain}.modal.run`;
  const hash = createHash("sha256").update(subdomain).digest("hex").slice(0, 6);
  return `https://${subdomain.slice(0, 56)}-${hash}.modal.run`;
}

/**
 * Asks the Modal client where the deployed function is served and fails unless
 * it is `expected`. `Function.from_name(...).get_web_url()` is the documented way
 * (webhook-urls, "Determine the Web Function URL from code"; a method in
 * py/modal/_functions.py, the old `web_url` property is gone by 1.4.0); no CLI
 * command prints the URL as JSON.
 * Arguments: app, function, environment, expected URL.
 */
const CHECK_WEB_URL = `import sys
import modal

app, function, environment, expected = sys.argv[1:5]
url = modal.Function.from_name(app, function, environment_name=environment).get_web_url()
if url != expected:
    sys.exit(
        f"modal deploy of {app}: Modal serves {function} at {url}, but the stack computed {expected}"
        " from modal.workspace and modal.webSuffix; compare them with the URL Modal printed and with"
        f" the web_suffix of {environment} in modal environment list --json"
    )
`;

/** Single-quotes a word for /bin/sh. */
export function sh(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The shell command that runs the check with `python` (which must import modal). */
export function checkWebUrlCommand(python: string, target: { app: string; function: string; environment: string; url: string }): string {
  return `${python} -c ${sh(CHECK_WEB_URL)} ${[target.app, target.function, target.environment, target.url].map(sh).join(" ")}`;
}
