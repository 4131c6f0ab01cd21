/**
 * The sign-in pages the built-in authorization server shows in the browser:
 * consent, and a page for a sign-in that cannot go on. Everything a client
 * chose (its name, its redirect URI, the scopes) is escaped: a client
 * registers itself, so its name is an attacker's text until proven otherwise
 * (library docs, docs/consent-page.md).
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";

const escape = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}label{display:block}code{background:#f3f3f3;padding:0 .2em}";

export interface ConsentPage {
  details: ConsentDescription;
  handle: string;
  /** The provider the user signs in with next ("GitHub"). */
  provider: string;
  /** What each scope allows: the tools that need it; none means every request needs it. */
  toolsOf: (scope: string) => string[];
  /** Passed on to the provider when the user continues. */
  loginHint?: string;
}

export function consentPage({ details, handle, provider, toolsOf, loginHint }: ConsentPage): string {
  const name = escape(details.clientName);
  const origin = details.clientDomain
    ? `Published by <strong>${escape(details.clientDomain)}</strong>.`
    : "This app registered itself: its name is not verified.";
  const local = details.redirectIsLoopback
    ? "<p><strong>Access goes to an app on your computer.</strong> Continue only if you just started signing in from it.</p>"
    : "";
  const scopes = details.scope.length
    ? details.scope
        .map((scope) => {
          const tools = toolsOf(scope);
          const allows = tools.length ? `calls to ${tools.map((tool) => `<code>${escape(tool)}</code>`).join(", ")}` : "every request";
          return `<label><input type="checkbox" name="scope" value="${escape(scope)}" checked> <code>${escape(scope)}</code>: ${allows}</label>`;
        })
        .join("\n")
    : "<p>It asks for no scopes: it can call the tools that need none.</p>";
  return `<!doctype html>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>Allow ${name}?</title>
<style>${STYLE}</style>
<h1>Allow ${name} to use this MCP server as you?</h1>
<p>${origin} Access will be sent to <strong>${escape(details.redirectHost)}</strong>.</p>
${local}
<form method="post">
<input type="hidden" name="handle" value="${escape(handle)}">
${loginHint ? `<input type="hidden" name="login_hint" value="${escape(loginHint)}">` : ""}
${scopes}
<p>Next you sign in with ${escape(provider)}.</p>
<p><button name="decision" value="approve">Allow and sign in</button> <button name="decision" value="deny">Deny</button></p>
</form>
`;
}

/** A sign-in that cannot go on, said once and plainly; never a stack trace. */
export function signInErrorPage(status: number, message: string, headers?: Headers): Response {
  const body = `<!doctype html>
<meta charset="utf-8">
<title>Sign-in failed</title>
<style>${STYLE}</style>
<h1>Sign-in failed</h1>
<p>${escape(message)}</p>
`;
  const answer = new Headers(headers);
  answer.set("content-type", "text/html; charset=utf-8");
  answer.set("cache-control", "no-store");
  answer.delete("location");
  return new Response(body, { status, headers: answer });
}
