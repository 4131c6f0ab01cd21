/**
 * A stand-in for the Modal CLI (modal 1.5.4), for the commands ModalApp runs:
 *
 * - `modal deploy <file> --name <app> --env <environment> [--tag <tag>]`: needs
 *   MODAL_TOKEN_ID and MODAL_TOKEN_SECRET of the account (modal's AuthError
 *   text otherwise), and an environment that exists; copies the sources of the
 *   file's folder and the deploy's environment into the account, and names the
 *   web function's URL by Modal's rule (infra/components/modal-url.ts:
 *   `https://<workspace>[-<web_suffix>]--<label>.modal.run`, the label from
 *   MODAL_WEB_LABEL, which modal_app.py passes to `@modal.asgi_app(label=…)`).
 * - `modal app stop <app> --env <environment> --yes`: an app that is gone is
 *   the rich "Error" panel of py/modal/cli/app.py ("No App with name '…' found
 *   in the '…' environment.") and exit 1; one stopped already says "App is
 *   already stopped." and exits 1.
 */
import { cpSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { modalWebUrl } from "../../infra/components/modal-url.ts";
import { richErrorPanel } from "../fixtures/fake-modal.ts";
import { accountPath, appKey, readAccount, updateAccount } from "./modal-account.ts";

/** What the CLI prints in its rich "Error" panel before it exits 1 (thrown, so a held lock is let go first). */
class ModalCliError extends Error {}

function fail(text: string): never {
  throw new ModalCliError(text);
}

function authenticate(): void {
  const account = readAccount();
  const id = process.env["MODAL_TOKEN_ID"];
  const secret = process.env["MODAL_TOKEN_SECRET"];
  if (!account.tokens.some((token) => token.id === id && token.secret === secret)) {
    fail("Token missing. Could not authenticate client. If you have token credentials, see modal.com/docs/reference/modal.config for setup help. If you are a new user, register an account at modal.com, then run `modal token new`.");
  }
}

const argv = process.argv.slice(2);
const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { name: { type: "string" }, env: { type: "string", short: "e" }, tag: { type: "string" }, yes: { type: "boolean", short: "y" } } });
const [command, sub, target] = positionals;
const environment = (values.env as string | undefined) ?? "main";

try {
  if (command === "deploy") {
    authenticate();
    const file = resolve(sub ?? "");
    const name = (values.name as string | undefined) ?? basename(file, ".py");
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(MCP_|MODAL_(MIN_CONTAINERS|SCALEDOWN_WINDOW|WEB_LABEL)|OTEL_)/.test(k))) as Record<string, string>;
    const webUrl = updateAccount((account) => {
      if (!account.environments[environment]) fail(`Environment '${environment}' not found`);
      const key = appKey(environment, name);
      const deploys = (account.apps[key]?.deploys ?? 0) + 1;
      const sources = join(dirname(accountPath()), "apps", environment, name, String(deploys));
      mkdirSync(sources, { recursive: true });
      // What the image gets: the modules, and tool_schemas.json beside them (modal_app.py's add_local_file),
      // without which modal_app.py stops the deploy.
      if (!existsSync(join(dirname(file), "tool_schemas.json"))) fail(`${join(dirname(file), "tool_schemas.json")} is missing: deploy a release folder (npm run release:build)`);
      for (const entry of readdirSync(dirname(file)).filter((entry) => entry.endsWith(".py") || entry === "tool_schemas.json")) cpSync(join(dirname(file), entry), join(sources, entry));
      const url = modalWebUrl({ workspace: account.workspace, webSuffix: account.environments[environment]!.webSuffix, label: env["MODAL_WEB_LABEL"] ?? name });
      account.apps[key] = { name, environment, state: "deployed", tag: String(values.tag ?? ""), sources, env, webUrl: url, deploys };
      return url;
    });
    const workspace = readAccount().workspace;
    process.stdout.write(`✓ Created objects.\n├── 🔨 Created web function web => ${webUrl}\n✓ App deployed! 🎉\n\nView Deployment: https://modal.com/apps/${workspace}/${environment}/deployed/${name}\n`);
  } else if (command === "app" && sub === "stop") {
    authenticate();
    updateAccount((account) => {
      const app = account.apps[appKey(environment, target ?? "")];
      if (!app) fail(`No App with name '${target}' found in the '${environment}' environment.`);
      if (app.state === "stopped") fail("App is already stopped.");
      app.state = "stopped";
    });
    process.stdout.write(`App '${target}' stopped.\n`);
  } else if (command === "--version" || command === "version") {
    process.stdout.write("modal client version: 1.5.4 (stand-in)\n");
  } else {
    fail(`the stand-in modal does not do "${argv.join(" ")}" (test/stand-ins/modal.ts)`);
  }
} catch (error) {
  if (!(error instanceof ModalCliError)) throw error;
  process.stderr.write(`${richErrorPanel(error.message)}\n`);
  process.exitCode = 1;
}
