import {
  DEFAULT_ORIGIN_REQUEST,
  mergeOriginRequest,
  type OriginRequest,
  OriginRequestError,
} from "./origin-request";
import { compilePathRegex } from "./path-regex";

/** Where a rule sends a request. */
export type IngressService =
  | { kind: "http"; url: URL }
  | { kind: "unix"; socketPath: string; tls: boolean }
  | { kind: "http_status"; status: number }
  | { kind: "hello_world" };

/** One validated ingress rule. */
export interface IngressRule {
  /** Lowercase; null (or `*`) matches every host. `*.example.com` matches subdomains only. */
  hostname: string | null;
  /** The `path` regex as written, or null. */
  pathPattern: string | null;
  path: RegExp | null;
  /** The service as written, e.g. `http://localhost:8000`. */
  serviceText: string;
  service: IngressService;
  /** Top-level originRequest with this rule's overrides applied. */
  originRequest: OriginRequest;
}

/** A tunnel's validated ingress: rules in order, the last one a catch-all. */
export interface Ingress {
  rules: IngressRule[];
  defaults: OriginRequest;
  /** Non-fatal remarks (ignored originRequest keys), for the log. */
  warnings: string[];
}

/** An ingress that fails validation; the message names the rule (1-based) and the fix. */
export class IngressValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IngressValidationError";
  }
}

/** What a config file or remote configuration holds: cloudflared's `ingress` and `originRequest`. */
export interface IngressSource {
  ingress?: unknown;
  originRequest?: unknown;
}

/**
 * Parses and validates rules with cloudflared's semantics (ingress/ingress.go): services it
 * knows, `*` only as the first hostname label, no port in a hostname, a path that compiles, and a
 * last rule that matches everything, which only the last may.
 */
export function parseIngress(source: IngressSource): Ingress {
  const warnings: string[] = [];
  let defaults: OriginRequest;
  try {
    defaults = mergeOriginRequest(DEFAULT_ORIGIN_REQUEST, source.originRequest, (warning) =>
      warnings.push(`top-level ${warning}`),
    );
  } catch (error) {
    throw rethrow(error, "The top-level originRequest");
  }
  const raw = source.ingress;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new IngressValidationError(
      "No ingress rules: add `ingress:` with at least a catch-all rule such as `- service: http_status:404`",
    );
  }
  const rules = raw.map((entry, index) => parseRule(entry, index, raw.length, defaults, warnings));
  return { rules, defaults, warnings };
}

function parseRule(
  entry: unknown,
  index: number,
  count: number,
  defaults: OriginRequest,
  warnings: string[],
): IngressRule {
  const number = index + 1;
  const at = `Rule #${number}`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new IngressValidationError(`${at} is not a mapping: write it as \`- service: …\``);
  }
  const rule = entry as Record<string, unknown>;
  for (const key of Object.keys(rule)) {
    if (!["hostname", "path", "service", "originRequest"].includes(key)) {
      throw new IngressValidationError(
        `${at} has an unknown key "${key}": a rule takes hostname, path, service and originRequest`,
      );
    }
  }
  const hostname = parseHostname(rule.hostname, at);
  let pathPattern: string | null = null;
  let path: RegExp | null = null;
  if (rule.path !== undefined && rule.path !== null && rule.path !== "") {
    if (typeof rule.path !== "string") {
      throw new IngressValidationError(`${at}: path must be a regular expression string`);
    }
    const compiled = compilePathRegex(rule.path);
    if (!compiled.ok) {
      throw new IngressValidationError(
        `${at}: path ${JSON.stringify(rule.path)} is refused because ${compiled.reason}; simplify it (see the ingress section of the connector README)`,
      );
    }
    pathPattern = rule.path;
    path = compiled.regex;
  }
  const serviceText = rule.service;
  if (typeof serviceText !== "string" || serviceText === "") {
    throw new IngressValidationError(
      `${at} has no service: add e.g. \`service: http://localhost:8000\` or \`service: http_status:404\``,
    );
  }
  const service = parseService(serviceText, at);
  let originRequest: OriginRequest;
  try {
    originRequest = mergeOriginRequest(defaults, rule.originRequest, (warning) =>
      warnings.push(`${at}: ${warning}`),
    );
  } catch (error) {
    throw rethrow(error, `${at}: originRequest`);
  }
  const catchAll = hostname === null && path === null;
  const last = index === count - 1;
  if (last && !catchAll) {
    throw new IngressValidationError(
      `${at} is the last rule, and the last rule must match all URLs (i.e. it should not have a hostname or path filter): add a catch-all rule such as \`- service: http_status:404\` at the end`,
    );
  }
  if (!last && catchAll) {
    throw new IngressValidationError(
      `${at} matches all URLs (it has no hostname or path filter), so the rules after it would never be reached: give it a hostname or path, or move it to the end`,
    );
  }
  return { hostname, pathPattern, path, serviceText, service, originRequest };
}

function parseHostname(value: unknown, at: string): string | null {
  if (value === undefined || value === null || value === "" || value === "*") return null;
  if (typeof value !== "string") {
    throw new IngressValidationError(`${at}: hostname must be a string such as app.example.com`);
  }
  const hostname = value.toLowerCase();
  if (hostname.includes(":")) {
    throw new IngressValidationError(
      `${at}: hostname ${JSON.stringify(value)} cannot contain a port: remove ":<port>" (ports are ignored when matching)`,
    );
  }
  if (hostname.includes("/")) {
    throw new IngressValidationError(
      `${at}: hostname ${JSON.stringify(value)} cannot contain a path: move it to \`path:\``,
    );
  }
  if (hostname.lastIndexOf("*") > 0 || (hostname.startsWith("*") && !hostname.startsWith("*."))) {
    throw new IngressValidationError(
      `${at}: hostname ${JSON.stringify(value)} can use "*" only as its whole first label, e.g. "*.example.com"`,
    );
  }
  return hostname;
}

const NOT_YET = new Set(["tcp:", "ssh:", "rdp:", "smb:"]);

function parseService(text: string, at: string): IngressService {
  const status = /^http_status:(\d+)$/.exec(text);
  if (status) {
    const code = Number(status[1]);
    if (code < 100 || code > 599) {
      throw new IngressValidationError(
        `${at}: ${text} is not an HTTP status: use a code from 100 to 599, e.g. http_status:404`,
      );
    }
    return { kind: "http_status", status: code };
  }
  if (text === "hello_world") return { kind: "hello_world" };
  const unix = /^unix(\+tls)?:(.+)$/.exec(text);
  if (unix) {
    if (!unix[2]!.startsWith("/")) {
      throw new IngressValidationError(
        `${at}: ${text} needs an absolute socket path, e.g. unix:/var/run/app.sock`,
      );
    }
    return { kind: "unix", socketPath: unix[2]!, tls: unix[1] !== undefined };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IngressValidationError(
      `${at}: service ${JSON.stringify(text)} is not a service burrow knows: use http(s)://host:port, unix:/path, unix+tls:/path, http_status:NNN or hello_world`,
    );
  }
  if (NOT_YET.has(url.protocol)) {
    throw new IngressValidationError(
      `${at}: ${url.protocol.slice(0, -1)}:// services are not supported yet (burrow carries no TCP streams yet): serve it over http(s) for now`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new IngressValidationError(
      `${at}: service ${JSON.stringify(text)} has an unknown scheme: use http(s)://host:port, unix:/path, unix+tls:/path, http_status:NNN or hello_world`,
    );
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw new IngressValidationError(
      `${at}: ${text} is an invalid address, ingress rules don't support proxying to a different path on the origin service; the path will be the same as the eyeball request's path: remove the path`,
    );
  }
  if (url.username || url.password) {
    throw new IngressValidationError(`${at}: ${text} cannot carry credentials: remove user:pass@`);
  }
  return { kind: "http", url };
}

function rethrow(error: unknown, where: string): Error {
  if (error instanceof OriginRequestError) {
    return new IngressValidationError(`${where}: ${error.message}`);
  }
  return error as Error;
}
