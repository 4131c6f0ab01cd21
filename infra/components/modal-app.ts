/**
 * One Modal app (one color of one API version), deployed with the Modal CLI
 * through `@pulumi/command`. There is no Pulumi provider for Modal; `modal
 * deploy` is idempotent, so re-running it is how the app is updated.
 *
 * - The sha256 of the Modal sources is part of the command's inputs, so a source
 *   change re-runs `modal deploy` in place (Modal rolls its containers).
 * - `triggers` hold only the app's identity (name, environment): a change there
 *   replaces the resource, i.e. deploys the new app, then stops the old one.
 *   The source hash is deliberately not a trigger: a replacement of the same app
 *   name would deploy, then run `modal app stop` on what it just deployed.
 * - Tokens travel in the command's environment (secret), never on its command line.
 * - Needs modal >= 1.4.2: the delete passes `app stop --yes`, which older
 *   clients refuse ("No such option"); 1.4.2 made the command prompt
 *   (modal-labs/modal-client CHANGELOG 1.4.2).
 * - The web endpoint URL is read from `modal deploy`'s stdout (see parseModalWebUrl).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { applyTransform, type Transform } from "./transform.ts";

export interface ModalAppArgs {
  /** Modal app name (also the deployment name). @example "mcp-prod-v1-blue" */
  appName: string;
  /** Modal environment. @example "main" */
  environment: string;
  /** Release the app runs, passed as `modal deploy --tag`. @example "r-3f9a1c7e2b4d" */
  release: string;
  /**
   * Where the Modal CLI runs, relative to the program's working directory (a
   * relative path keeps the state the same on every machine). Pulumi runs a
   * program whose `main` is infra/index.ts in infra/, so the repo root is "..".
   * @default "."
   * @example ".."
   */
  projectDir?: string;
  /** Directory holding the Modal sources, relative to `projectDir`; every `*.py` in it is hashed. @default "app/modal" @example "app/modal" */
  sourceDir?: string;
  /** The file `modal deploy` runs, inside `sourceDir`. @default "modal_app.py" @example "modal_app.py" */
  entrypoint?: string;
  /**
   * Which web function's URL becomes `url`; needed only when the app has several.
   * @default the app's only web function
   * @example "web"
   */
  webFunction?: string;
  /** Containers kept warm, passed as env `MODAL_MIN_CONTAINERS`. @default 0 @example 1 */
  minContainers?: number;
  /** Seconds an idle container lives, passed as env `MODAL_SCALEDOWN_WINDOW`. @default 300 @example 600 */
  scaledownWindow?: number;
  /** Modal token id (secret). @example cfg.modalTokenId */
  tokenId: pulumi.Input<string>;
  /** Modal token secret (secret). @example cfg.modalTokenSecret */
  tokenSecret: pulumi.Input<string>;
  /**
   * More environment for `modal deploy`, read by modal_app.py at deploy time.
   * @default {}
   * @example { MCP_UPSTREAM_SECRET: cfg.upstreamSecret }
   */
  deployEnvironment?: Record<string, pulumi.Input<string>>;
  /** The Modal CLI. @default "modal" @example "uvx modal" */
  modalCommand?: string;
  /**
   * Adjust what the component creates.
   * @default {}
   * @example { command: { dir: "/work" } }
   */
  transform?: { command?: Transform<command.local.CommandArgs> };
}

/** sha256 over the names and bytes of the `*.py` files in `dir`, in name order. */
export function hashModalSources(dir: string): string {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith(".py")).sort();
  } catch {
    files = [];
  }
  if (files.length === 0) throw new Error(`no Modal sources (*.py) in ${dir}`);
  const hash = createHash("sha256");
  for (const file of files) hash.update(file).update("\0").update(readFileSync(join(dir, file))).update("\0");
  return hash.digest("hex");
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const WEB_FUNCTION_LINE = /Created web function (\S+) => (https:\/\/[A-Za-z0-9.-]+\.modal\.run)/g;

/**
 * Finds the web endpoint in `modal deploy` output. Modal prints, in the object
 * tree after a deploy, one line per web function:
 *   Created web function web => https://acme-main--mcp-prod-v1-blue-web.modal.run
 * (py/modal/_output/status.py in modal-labs/modal-client). The deploy runs with
 * COLUMNS wide and NO_COLOR so rich neither wraps nor colors the URL.
 */
export function parseModalWebUrl(stdout: string, appName: string, webFunction?: string): string {
  const found = [...stdout.replace(ANSI, "").matchAll(WEB_FUNCTION_LINE)].map((m) => ({ fn: m[1] ?? "", url: m[2] ?? "" }));
  const picked = webFunction === undefined ? found : found.filter((f) => f.fn === webFunction);
  if (picked.length === 1 && picked[0]) return picked[0].url;
  const tail = stdout.trim().split("\n").slice(-5).join(" | ");
  if (found.length === 0) {
    throw new Error(
      `modal deploy of ${appName} printed no web endpoint (expected a line "Created web function <name> => https://….modal.run"); last output: ${tail}`,
    );
  }
  const names = found.map((f) => f.fn).join(", ");
  throw new Error(
    webFunction === undefined
      ? `modal deploy of ${appName} printed several web endpoints (${names}); set webFunction to pick one`
      : `modal deploy of ${appName} has no web function ${JSON.stringify(webFunction)} (found ${names})`,
  );
}

/** Single-quotes a word for /bin/sh. */
function sh(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * What `modal app stop` prints when the app is already gone; it exits 1 either
 * way, so the delete tells these from real failures by the text.
 * - modal >= 1.4.2, py/modal/cli/app.py resolve_app_identifier(): NotFoundError,
 *   printed in a rich "Error" panel on stderr by py/modal/__main__.py.
 * - modal <= 1.4.1, py/modal/cli/utils.py get_app_id_from_name().
 * - py/modal/cli/app.py stop(): SystemExit for a recently stopped app, followed
 *   by when and by whom.
 */
export function appGoneMessages(appName: string): string[] {
  return [`No App with name '${appName}' found in the `, `Could not find a deployed app named '${appName}'`, "App is already stopped."];
}

export class ModalApp extends pulumi.ComponentResource {
  /** The web endpoint of the app. */
  readonly url: pulumi.Output<string>;
  readonly appName: pulumi.Output<string>;
  /** sha256 of the deployed sources. */
  readonly sourceHash: pulumi.Output<string>;

  constructor(name: string, args: ModalAppArgs, opts?: pulumi.ComponentResourceOptions) {
    const projectDir = args.projectDir ?? ".";
    const sourceDir = args.sourceDir ?? "app/modal";
    const entrypoint = join(sourceDir, args.entrypoint ?? "modal_app.py");
    const sourceHash = hashModalSources(resolve(projectDir, sourceDir));
    super("mcp-hosting:modal:App", name, {}, opts);
    const modal = args.modalCommand ?? "modal";
    const target = `${sh(args.appName)} --env ${sh(args.environment)}`;
    const gone = appGoneMessages(args.appName).map((text) => `*${sh(text)}*`).join("|");

    const deploy = new command.local.Command(
      ...applyTransform(
        args.transform?.command,
        `${name}-deploy`,
        {
          dir: projectDir,
          create: `${modal} deploy ${sh(entrypoint)} --name ${target} --tag ${sh(args.release)}`,
          // Stopping an app that is already gone is not a failure of the delete.
          delete: `out=$(${modal} app stop ${target} --yes 2>&1) || case "$out" in ${gone}) echo "$out" ;; *) echo "$out" >&2; exit 1 ;; esac`,
          environment: {
            ...args.deployEnvironment,
            MODAL_TOKEN_ID: pulumi.secret(args.tokenId),
            MODAL_TOKEN_SECRET: pulumi.secret(args.tokenSecret),
            MODAL_MIN_CONTAINERS: String(args.minContainers ?? 0),
            MODAL_SCALEDOWN_WINDOW: String(args.scaledownWindow ?? 300),
            MCP_RELEASE: args.release,
            MCP_MODAL_SOURCE_SHA256: sourceHash,
            // Rich wraps at COLUMNS (80 without a terminal); one line per message
            // keeps the URL, and the delete's match on "already gone", whole.
            COLUMNS: "1000",
            NO_COLOR: "1",
          },
          triggers: [args.appName, args.environment],
        },
        { parent: this },
      ),
    );

    this.url = deploy.stdout.apply((stdout) => parseModalWebUrl(stdout, args.appName, args.webFunction));
    this.appName = pulumi.output(args.appName);
    this.sourceHash = pulumi.output(sourceHash);
    this.registerOutputs({ url: this.url, appName: this.appName, sourceHash: this.sourceHash });
  }
}
