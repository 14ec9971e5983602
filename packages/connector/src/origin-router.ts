import { readFileSync } from "node:fs";
import type http from "node:http";
import https from "node:https";
import tls from "node:tls";
import { ConnectorError } from "./connector-error";
import { matchRule } from "./ingress/match";
import { DEFAULT_ORIGIN_REQUEST, type OriginRequest } from "./ingress/origin-request";
import type { Ingress, IngressRule } from "./ingress/rules";
import { OriginHttpAgent } from "./origin-http1/origin-http-agent";

/** An HTTP(S) origin to proxy one request to, with the rule's originRequest settings applied. */
export interface HttpRoute {
  kind: "http";
  /** Scheme, host and port of the origin with the visitor's path and query. */
  target: URL;
  secure: boolean;
  /** `unix:`/`unix+tls:` services: the socket to dial instead of target's host and port. */
  socketPath: string | null;
  agent: http.Agent;
  /** SNI, CAs and verification for https origins. */
  tls: Pick<tls.ConnectionOptions, "servername" | "ca" | "rejectUnauthorized">;
  /** Replaces the visitor's Host header (`httpHostHeader`), or null to keep it. */
  hostHeader: string | null;
  connectTimeoutMs: number;
  tlsTimeoutMs: number;
  /** `disableChunkedEncoding`: a request body without a Content-Length is refused. */
  requireContentLength: boolean;
}

/** Where one request goes; `ruleIndex` is the ingress rule (0-based), null without ingress. */
export type OriginRoute = (
  | HttpRoute
  | { kind: "http_status"; status: number }
  | { kind: "hello_world" }
) & { ruleIndex: number | null };

/**
 * Decides a request's origin from its head, once, before any byte is proxied: a quick tunnel has
 * one origin, a named tunnel its ingress rules. Swapping a runner's router (remote configuration)
 * changes only requests that start afterwards.
 */
export interface OriginRouter {
  route(url: string, host: string | null): OriginRoute;
}

/** `--url`: every request to one origin, under the origin's own base path. */
export class SingleOriginRouter implements OriginRouter {
  readonly #origin: URL;
  readonly #agents: { http: OriginHttpAgent; https: https.Agent };

  constructor(origin: URL, agents: { http: OriginHttpAgent; https: https.Agent }) {
    this.#origin = origin;
    this.#agents = agents;
  }

  route(url: string): OriginRoute {
    const target = originUrlFor(this.#origin, url);
    const secure = target.protocol === "https:";
    return {
      kind: "http",
      target,
      secure,
      socketPath: null,
      agent: secure ? this.#agents.https : this.#agents.http,
      tls: {},
      hostHeader: null,
      connectTimeoutMs: DEFAULT_ORIGIN_REQUEST.connectTimeoutMs,
      tlsTimeoutMs: DEFAULT_ORIGIN_REQUEST.tlsTimeoutMs,
      requireContentLength: false,
      ruleIndex: null,
    };
  }
}

/**
 * Agents shared by every ingress version a runner applies, keyed by what makes connections
 * interchangeable (scheme, socket, TLS settings, keep-alive): a new configuration reuses warm
 * connections, and no in-flight request's socket is destroyed when rules change.
 */
export class OriginAgentPool {
  readonly #agents = new Map<string, http.Agent>();
  readonly #caFiles = new Map<string, string[]>();

  agentFor(secure: boolean, socketPath: string | null, options: OriginRequest): http.Agent {
    const key = JSON.stringify([
      secure,
      socketPath,
      options.noTLSVerify,
      options.caPool,
      options.keepAliveConnections,
      options.keepAliveTimeoutMs,
    ]);
    let agent = this.#agents.get(key);
    if (!agent) {
      const keepAlive = options.keepAliveConnections > 0;
      const agentOptions: http.AgentOptions = {
        keepAlive,
        maxFreeSockets: Math.max(1, options.keepAliveConnections),
        // An idle kept-alive socket is closed after keepAliveTimeout (the agent re-arms this
        // timeout whenever a socket goes back to the pool).
        timeout: options.keepAliveTimeoutMs,
      };
      agent = secure ? new https.Agent(agentOptions) : new OriginHttpAgent(agentOptions);
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** Node's CAs plus those in `caPool`, read once per file; a missing file is fatal at load. */
  caFor(caPool: string): string[] {
    let cas = this.#caFiles.get(caPool);
    if (!cas) {
      let pem: string;
      try {
        pem = readFileSync(caPool, "utf8");
      } catch (error) {
        throw new ConnectorError(
          `cannot read originRequest.caPool ${caPool}`,
          (error as Error).message,
          "point caPool at a PEM file of CA certificates",
        );
      }
      cas = [...tls.rootCertificates, pem];
      this.#caFiles.set(caPool, cas);
    }
    return cas;
  }

  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/** Counts requests per rule, for `/metrics`. */
export type RuleCounter = (ruleIndex: number) => void;

/** A named tunnel's ingress rules, matched per request on its Host and path. */
export class IngressRouter implements OriginRouter {
  readonly ingress: Ingress;
  /** The remote configuration version these rules came from, or null for a local config. */
  readonly configVersion: number | null;
  readonly #routes: Array<(url: URL) => OriginRoute>;
  readonly #count: RuleCounter;

  constructor(
    ingress: Ingress,
    pool: OriginAgentPool,
    count: RuleCounter = () => {},
    configVersion: number | null = null,
  ) {
    this.ingress = ingress;
    this.configVersion = configVersion;
    this.#count = count;
    // Agents and CA files are resolved once per configuration, not per request.
    this.#routes = ingress.rules.map((rule, index) => routeBuilder(rule, index, pool));
  }

  route(url: string, host: string | null): OriginRoute {
    const incoming = new URL(url, "http://invalid");
    const index = matchRule(this.ingress, host ?? incoming.host, incoming.pathname);
    this.#count(index);
    return this.#routes[index]!(incoming);
  }
}

function routeBuilder(
  rule: IngressRule,
  ruleIndex: number,
  pool: OriginAgentPool,
): (url: URL) => OriginRoute {
  const service = rule.service;
  if (service.kind === "http_status") {
    return () => ({ kind: "http_status", status: service.status, ruleIndex });
  }
  if (service.kind === "hello_world") return () => ({ kind: "hello_world", ruleIndex });
  const options = rule.originRequest;
  const secure = service.kind === "http" ? service.url.protocol === "https:" : service.tls;
  const socketPath = service.kind === "unix" ? service.socketPath : null;
  const base = service.kind === "http" ? service.url : new URL("http://localhost");
  const agent = pool.agentFor(secure, socketPath, options);
  const tlsOptions: HttpRoute["tls"] = {};
  if (secure) {
    if (options.originServerName) tlsOptions.servername = options.originServerName;
    if (options.noTLSVerify) tlsOptions.rejectUnauthorized = false;
    if (options.caPool) tlsOptions.ca = pool.caFor(options.caPool);
  }
  return (incoming) => {
    const target = new URL(base);
    target.pathname = incoming.pathname;
    target.search = incoming.search;
    return {
      kind: "http",
      target,
      secure,
      socketPath,
      agent,
      tls: tlsOptions,
      hostHeader: options.httpHostHeader,
      connectTimeoutMs: options.connectTimeoutMs,
      tlsTimeoutMs: options.tlsTimeoutMs,
      requireContentLength: options.disableChunkedEncoding,
      ruleIndex,
    };
  };
}

/** Maps the public URL's path and query onto the origin (`--url`), keeping the origin's base path. */
export function originUrlFor(origin: URL, publicUrl: string): URL {
  const incoming = new URL(publicUrl, "http://invalid");
  const target = new URL(origin);
  const base = target.pathname.replace(/\/+$/, "");
  target.pathname = `${base}${incoming.pathname}`;
  target.search = incoming.search;
  return target;
}
