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
 * - The web function gets an explicit label, so its URL is computed before the
 *   deploy (modal-url.ts); the deploy then checks it against what Modal reports.
 * - Needs modal >= 1.4.2: the delete passes `app stop --yes`, which older
 *   clients refuse ("No such option"); 1.4.2 made the command prompt
 *   (modal-labs/modal-client CHANGELOG 1.4.2).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { MODAL_REQUIREMENTS_FILE } from "../../app/src/tools/modal-compute.ts";
import { TOOL_SCHEMAS_FILE } from "../../app/src/tools/tool-schemas.ts";
import type { ToolFunctionSettings } from "../modal-functions.ts";
import { checkWebUrlCommand, labelProblem, modalWebUrl, sh } from "./modal-url.ts";
import { applyTransform, type Transform } from "./transform.ts";

export interface ModalAppArgs {
  /** Modal app name (also the deployment name). @example "mcp-prod-v1-blue" */
  appName: string;
  /** Modal environment. @example "main" */
  environment: string;
  /** Modal workspace, as it appears in web URLs. @example "acme" */
  workspace: string;
  /**
   * The web suffix of `environment` (`modal environment list --json`, key
   * `web_suffix`); "" for the environment without one.
   * @example "prod"
   */
  webSuffix: string;
  /**
   * Label of the web function, passed as env `MODAL_WEB_LABEL`; the URL is
   * `https://<workspace>[-<webSuffix>]--<label>.modal.run`.
   * @default appName
   * @example "mcp-prod-v1-blue"
   */
  webLabel?: string;
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
  /** Name of the web function that `webLabel` labels, as the deploy check looks it up. @default "web" @example "web" */
  webFunction?: string;
  /** Containers kept warm, passed as env `MODAL_MIN_CONTAINERS`. @default 0 @example 1 */
  minContainers?: number;
  /** Seconds an idle container lives, passed as env `MODAL_SCALEDOWN_WINDOW`. @default 300 @example 600 */
  scaledownWindow?: number;
  /**
   * The settings of each tool's own Function in this stack (infra/modal-functions.ts),
   * passed as env `MCP_MODAL_TOOL_OVERRIDES` over what the release's tools declare.
   * @default {}
   * @example { csv_cluster: { gpu: "L4", minContainers: 1, scaledownWindow: 600 } }
   */
  toolFunctions?: Record<string, ToolFunctionSettings>;
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
  /** A Python that imports the same modal client, for the URL check. @default "python3" @example "uvx --from modal==1.5.4 python" */
  python?: string;
  /**
   * Adjust what the component creates.
   * @default {}
   * @example { command: { dir: "/work" } }
   */
  transform?: { command?: Transform<command.local.CommandArgs> };
}

/** sha256 over the names and bytes of the `*.py` files in `dir`, its `tool_schemas.json` and `requirements.txt`, in name order. */
export function hashModalSources(dir: string): string {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith(".py") || file === TOOL_SCHEMAS_FILE || file === MODAL_REQUIREMENTS_FILE).sort();
  } catch {
    files = [];
  }
  if (files.length === 0) throw new Error(`no Modal sources (*.py) in ${dir}`);
  const hash = createHash("sha256");
  for (const file of files) hash.update(file).update("\0").update(readFileSync(join(dir, file))).update("\0");
  return hash.digest("hex");
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
    const label = args.webLabel ?? args.appName;
    const labelIssue = labelProblem(label);
    if (labelIssue) throw new Error(`Modal app ${args.appName}: ${labelIssue}`);
    const url = modalWebUrl({ workspace: args.workspace, webSuffix: args.webSuffix, label });
    super("mcp-hosting:modal:App", name, {}, opts);
    const modal = args.modalCommand ?? "modal";
    const target = `${sh(args.appName)} --env ${sh(args.environment)}`;
    const check = checkWebUrlCommand(args.python ?? "python3", { app: args.appName, function: args.webFunction ?? "web", environment: args.environment, url });
    const gone = appGoneMessages(args.appName).map((text) => `*${sh(text)}*`).join("|");

    const deploy = new command.local.Command(
      ...applyTransform(
        args.transform?.command,
        `${name}-deploy`,
        {
          dir: projectDir,
          create: `${modal} deploy ${sh(entrypoint)} --name ${target} --tag ${sh(args.release)} && ${check}`,
          // Stopping an app that is already gone is not a failure of the delete.
          delete: `out=$(${modal} app stop ${target} --yes 2>&1) || case "$out" in ${gone}) echo "$out" ;; *) echo "$out" >&2; exit 1 ;; esac`,
          environment: {
            ...args.deployEnvironment,
            MODAL_TOKEN_ID: pulumi.secret(args.tokenId),
            MODAL_TOKEN_SECRET: pulumi.secret(args.tokenSecret),
            MODAL_MIN_CONTAINERS: String(args.minContainers ?? 0),
            MODAL_SCALEDOWN_WINDOW: String(args.scaledownWindow ?? 300),
            MCP_MODAL_TOOL_OVERRIDES: JSON.stringify(args.toolFunctions ?? {}),
            MCP_RELEASE: args.release,
            MCP_MODAL_SOURCE_SHA256: sourceHash,
            MODAL_WEB_LABEL: label,
            // Rich wraps at COLUMNS (80 without a terminal); one line per message
            // keeps the delete's match on "already gone" whole.
            COLUMNS: "1000",
            NO_COLOR: "1",
          },
          triggers: [args.appName, args.environment],
        },
        { parent: this },
      ),
    );

    // Known at preview (a URN always is), yet a dependent waits for the deploy and its check.
    this.url = deploy.urn.apply(() => url);
    this.appName = pulumi.output(args.appName);
    this.sourceHash = pulumi.output(sourceHash);
    this.registerOutputs({ url: this.url, appName: this.appName, sourceHash: this.sourceHash });
  }
}
