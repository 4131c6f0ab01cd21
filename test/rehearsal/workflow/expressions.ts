/**
 * GitHub Actions expressions (docs: "Evaluate expressions in workflows and
 * actions"), as much as this project's workflows use and a little more:
 * literals, property access (`a.b`, `a['b']`), `!`, `==` `!=` (strings
 * compared case-insensitively), `<` `<=` `>` `>=`, `&&` and `||` returning an
 * operand (the `cond && 'a' || 'b'` idiom), and the functions contains,
 * startsWith, endsWith, format, join, toJSON, fromJSON, success, failure,
 * always, cancelled. Anything else is an error that names it, so a workflow
 * never passes on an expression this player does not understand.
 */

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface Scope {
  /** Contexts by name: github, env, secrets, inputs, steps, needs, matrix, job, runner, vars. */
  contexts: Record<string, Value>;
  /** Whether every step so far succeeded (for success() and failure()). */
  status: "success" | "failure";
}

type Token = { kind: "num" | "str" | "id" | "op" | "punct"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`an unterminated string in ${JSON.stringify(source)}`);
        if (source[i] === "'" && source[i + 1] === "'") (text += "'"), (i += 2);
        else if (source[i] === "'") break;
        else text += source[i++];
      }
      i++;
      tokens.push({ kind: "str", text });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(source[i + 1] ?? ""))) {
      const match = /^-?(0x[0-9a-f]+|[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?)/i.exec(source.slice(i))!;
      tokens.push({ kind: "num", text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      tokens.push({ kind: "id", text: match[0] });
      i += match[0].length;
    } else {
      const two = source.slice(i, i + 2);
      if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) (tokens.push({ kind: "op", text: two }), (i += 2));
      else if ("<>!".includes(c)) (tokens.push({ kind: "op", text: c }), i++);
      else if ("().,[]*".includes(c)) (tokens.push({ kind: "punct", text: c }), i++);
      else throw new Error(`unexpected ${JSON.stringify(c)} in ${JSON.stringify(source)}`);
    }
  }
  return tokens;
}

const truthy = (value: Value | undefined): boolean => !(value === null || value === undefined || value === false || value === 0 || value === "" || (typeof value === "number" && Number.isNaN(value)));

function toNumber(value: Value | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (typeof value === "string") return value.trim() === "" ? 0 : Number(value);
  return Number.NaN;
}

function equal(a: Value | undefined, b: Value | undefined): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b && (typeof a !== "object" || a === null)) return a === b;
  if (typeof a === "object" || typeof b === "object") return a === b;
  return toNumber(a) === toNumber(b);
}

/** How a value is written into text (`${{ }}` in a string, and format()). */
export function asText(value: Value | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value, null, 2);
  return String(value);
}

export function evaluate(source: string, scope: Scope): Value {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const take = (text?: string) => {
    const token = tokens[at];
    if (!token || (text !== undefined && token.text !== text)) throw new Error(`expected ${text ?? "more"} in ${JSON.stringify(source)}`);
    at++;
    return token;
  };

  const call = (name: string, args: Value[]): Value => {
    const lower = name.toLowerCase();
    const text = (v: Value | undefined) => asText(v);
    switch (lower) {
      case "success":
        return scope.status === "success";
      case "failure":
        return scope.status === "failure";
      case "always":
        return true;
      case "cancelled":
        return false;
      case "contains":
        return Array.isArray(args[0]) ? args[0].some((item) => equal(item, args[1]!)) : text(args[0]).toLowerCase().includes(text(args[1]).toLowerCase());
      case "startswith":
        return text(args[0]).toLowerCase().startsWith(text(args[1]).toLowerCase());
      case "endswith":
        return text(args[0]).toLowerCase().endsWith(text(args[1]).toLowerCase());
      case "format":
        return text(args[0]).replace(/\{(\d+)\}/g, (_, n: string) => text(args[Number(n) + 1]));
      case "join":
        return Array.isArray(args[0]) ? args[0].map(text).join(args[1] === undefined ? "," : text(args[1])) : text(args[0]);
      case "tojson":
        return JSON.stringify(args[0] ?? null, null, 2);
      case "fromjson":
        return JSON.parse(text(args[0])) as Value;
      default:
        throw new Error(`the workflow player does not know the function ${name}() (in ${JSON.stringify(source)})`);
    }
  };

  const primary = (): Value => {
    const token = take();
    if (token.kind === "num") return Number(token.text);
    if (token.kind === "str") return token.text;
    if (token.text === "(") {
      const value = or();
      take(")");
      return value;
    }
    if (token.kind === "op" && token.text === "!") return !truthy(primary());
    if (token.kind !== "id") throw new Error(`unexpected ${token.text} in ${JSON.stringify(source)}`);
    if (token.text === "true") return true;
    if (token.text === "false") return false;
    if (token.text === "null") return null;
    if (peek()?.text === "(") {
      take("(");
      const args: Value[] = [];
      while (peek()?.text !== ")") {
        args.push(or());
        if (peek()?.text === ",") take(",");
      }
      take(")");
      return call(token.text, args);
    }
    let value: Value | undefined = scope.contexts[token.text];
    if (!(token.text in scope.contexts)) throw new Error(`the workflow player has no context ${token.text} (in ${JSON.stringify(source)})`);
    for (;;) {
      if (peek()?.text === ".") {
        take(".");
        const key = take().text;
        value = typeof value === "object" && value !== null && !Array.isArray(value) ? value[key] : undefined;
      } else if (peek()?.text === "[") {
        take("[");
        const key = or();
        take("]");
        value = Array.isArray(value) ? value[toNumber(key)] : typeof value === "object" && value !== null ? value[asText(key)] : undefined;
      } else break;
    }
    return value ?? null;
  };

  const comparison = (): Value => {
    let left = primary();
    for (;;) {
      const op = peek();
      if (!op || op.kind !== "op" || !["==", "!=", "<", "<=", ">", ">="].includes(op.text)) return left;
      take();
      const right = primary();
      if (op.text === "==") left = equal(left, right);
      else if (op.text === "!=") left = !equal(left, right);
      else {
        const [a, b] = [toNumber(left), toNumber(right)];
        left = op.text === "<" ? a < b : op.text === "<=" ? a <= b : op.text === ">" ? a > b : a >= b;
      }
    }
  };

  const and = (): Value => {
    let left = comparison();
    while (peek()?.text === "&&") {
      take();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  };

  const or = (): Value => {
    let left = and();
    while (peek()?.text === "||") {
      take();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };

  const value = or();
  if (at < tokens.length) throw new Error(`unexpected ${tokens[at]!.text} in ${JSON.stringify(source)}`);
  return value;
}

/** A field that may hold `${{ }}` templates, with each replaced by its value's text. */
export function interpolate(text: string, scope: Scope): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) => asText(evaluate(expression, scope)));
}

/** An `if:` condition: an expression with or without `${{ }}`; without one, `success()`. */
export function condition(text: string | boolean | undefined, scope: Scope): boolean {
  if (text === undefined) return scope.status === "success";
  if (typeof text === "boolean") return text;
  const inner = /^\s*\$\{\{(.*)\}\}\s*$/s.exec(text)?.[1] ?? text;
  const usesStatus = /\b(success|failure|always|cancelled)\s*\(/i.test(inner);
  const result = truthy(evaluate(inner, scope));
  // Without a status function, GitHub adds success(): a step after a failure is skipped.
  return usesStatus ? result : result && scope.status === "success";
}

export { truthy };
