/**
 * Errors of the Fly provider. Each names the request (method and path), the HTTP
 * status and Fly's own message. None ever holds the API token: the token only
 * travels in a request header and is never part of a path, body or message.
 */

export class FlyApiError extends Error {
  readonly method: string;
  readonly path: string;
  /** HTTP status, or 0 when no response arrived (timeout, connection reset). */
  readonly status: number;
  readonly flyMessage: string;
  /**
   * True when the request may have been applied although it failed: a 5xx, a
   * 408, a timeout or a broken connection. A create that fails ambiguously is
   * followed by a look-up that adopts what it may have made.
   */
  readonly ambiguous: boolean;

  constructor(method: string, path: string, status: number, flyMessage: string) {
    const what = status === 0 ? "no response" : `HTTP ${status}`;
    super(`Fly Machines API ${method} ${path} failed with ${what}: ${flyMessage}`);
    this.name = "FlyApiError";
    this.method = method;
    this.path = path;
    this.status = status;
    this.flyMessage = flyMessage;
    // flyctl internal/flapsutil/retry.go (IsTransientFlapsError): for a create, "a 408 from flaps is
    // *ambiguous* — the upstream side-effect may or may not have happened".
    this.ambiguous = status === 0 || status === 408 || status >= 500;
  }
}

/**
 * docs security/tokens.html.markerb (superfly/docs): app-scoped deploy tokens "are limited to managing a
 * single app and its resources"; org-scoped ones manage "all the apps within a single organization".
 * blueprints/warm-pool-user-machines.html.md: creating apps "needs an org-scoped API token
 * (`fly tokens create org`), not an app-scoped deploy token". The flag is -o/--org
 * (flyctl/cmd/fly_tokens_create_org.md).
 */
export class FlyTokenMissingError extends Error {
  constructor() {
    super(
      "No Fly.io API token: set FLY_API_TOKEN (or FLY_ACCESS_TOKEN) in the environment that runs " +
        "`pulumi up`. Creating the app needs an organization token, for example " +
        "`export FLY_API_TOKEN=$(fly tokens create org -o <org>)`; a deploy token is scoped to one existing app. " +
        "The token is read when each request is sent and is never stored in Pulumi state.",
    );
    this.name = "FlyTokenMissingError";
  }
}

/** A wait or a poll passed its overall deadline. */
export class FlyDeadlineError extends Error {
  constructor(what: string, deadlineMs: number) {
    super(`${what} did not happen within ${Math.round(deadlineMs / 1000)} s`);
    this.name = "FlyDeadlineError";
  }
}

/** Something just created still reads as missing after the bound of its visibility wait. */
export class FlyNotVisibleError extends Error {
  constructor(subject: string, lastError: unknown, boundMs: number) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(
      `${subject} was created, but Fly still did not show it after ${Math.round(boundMs / 1000)} s (${last}). ` +
        "It is kept in the stack; run `pulumi up` again once Fly shows it.",
    );
    this.name = "FlyNotVisibleError";
  }
}

export function isStatus(error: unknown, ...statuses: number[]): error is FlyApiError {
  return error instanceof FlyApiError && statuses.includes(error.status);
}

export function isAmbiguous(error: unknown): error is FlyApiError {
  return error instanceof FlyApiError && error.ambiguous;
}

/** Pulls Fly's message out of an error body: `{"error": "..."}` or `{"message": "..."}`. */
export function flyMessageOf(bodyText: string): string {
  if (bodyText.trim() === "") return "(empty body)";
  try {
    const body: unknown = JSON.parse(bodyText);
    if (typeof body === "object" && body !== null) {
      const record = body as Record<string, unknown>;
      for (const key of ["message", "error"]) {
        const value = record[key];
        if (typeof value === "string" && value !== "") return value;
      }
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return bodyText.length > 500 ? `${bodyText.slice(0, 500)}…` : bodyText;
}

/**
 * The resource exists on Fly but did not become ready (it never started, or its
 * health checks failed). Pulumi's dynamic-provider host turns an error with an
 * `id` into "created, failed to initialize": the resource is kept in state, so
 * the next `up` updates it instead of creating a second one.
 */
export class FlyInitError extends Error {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];

  constructor(id: string, properties: object, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message);
    this.name = "FlyInitError";
    this.id = id;
    this.properties = { ...properties };
    this.reasons = [message];
  }
}
