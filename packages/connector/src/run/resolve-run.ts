import { existsSync } from "node:fs";
import path from "node:path";
import { ConnectorError } from "../connector-error";
import {
  parseTunnelToken,
  readTunnelCredentials,
  type TunnelCredentials,
} from "../named-tunnel/credentials";
import { type OriginCert, readOriginCert } from "../named-tunnel/origin-cert";
import { isTunnelId } from "../named-tunnel/tunnels";
import { smallRequest } from "../small-request";
import {
  defaultConfigDirectories,
  findDefaultConfigFile,
  findDefaultOriginCert,
  readConfigFile,
  type TunnelConfigFile,
} from "./config-file";

/** What the command line and environment say, before any file is read. */
export interface RunInputs {
  /** `run <name|uuid>`. */
  tunnel: string | null;
  config: string | null;
  token: string | null;
  credentialsFile: string | null;
  originCert: string | null;
  /** `--edge` or BURROW_EDGE, only when given. */
  edge: string | null;
  /** `--url`, only when given. */
  url: string | null;
  helloWorld: boolean;
  haConnections: string | null;
  metrics: string | null;
  gracePeriod: string | null;
}

/** Defaults cloudflared uses: 4 HA connections, a 30 s grace period (at most 3 min). */
export const DEFAULT_HA_CONNECTIONS = 4;
const MAX_HA_CONNECTIONS = 16;
const MAX_GRACE_PERIOD_SECONDS = 180;
const DEFAULT_EDGE = "http://127.0.0.1:8787";

/** Everything `burrow tunnel run` decided, for the runner. */
export interface RunPlan {
  credentials: TunnelCredentials;
  edge: URL;
  /** Where the credentials came from, for the log. */
  credentialsFrom: string;
  config: TunnelConfigFile | null;
  /** `--url` / `url:`: one origin without ingress. */
  singleOrigin: URL | null;
  helloWorld: boolean;
  haConnections: number;
  metrics: string | null;
  gracePeriodMs: number;
}

/** Looks a tunnel name up through the API with cert.pem's token (`list ?name=X`, exactly one). */
export type NameResolver = (name: string, cert: OriginCert, edge: URL) => Promise<string>;

/**
 * Decides which tunnel to run and how, as cloudflared does: a token (flag, TUNNEL_TOKEN or the
 * config's `token`) wins; then a credentials file (flag or `credentials-file:`); then the tunnel
 * named on the command line or in `tunnel:`, whose `<uuid>.json` sits next to cert.pem.
 */
export async function resolveRun(
  inputs: RunInputs,
  resolveName: NameResolver = resolveTunnelName,
  directories = defaultConfigDirectories(),
): Promise<RunPlan> {
  const configFile = inputs.config ?? findDefaultConfigFile(directories);
  const config = configFile ? readConfigFile(configFile) : null;
  const edgeOverride = inputs.edge ?? config?.edge ?? null;
  const tunnelRef = inputs.tunnel ?? config?.tunnel ?? null;

  let credentials: TunnelCredentials;
  let credentialsFrom: string;
  let cert: OriginCert | null = null;
  const token = inputs.token ?? (typeof config?.token === "string" ? config.token : null);
  const credentialsFile = inputs.credentialsFile ?? config?.["credentials-file"] ?? null;
  if (token) {
    credentials = parseTunnelToken(token);
    credentialsFrom = "the tunnel token";
  } else if (credentialsFile) {
    credentials = await readTunnelCredentials(credentialsFile);
    credentialsFrom = credentialsFile;
  } else if (tunnelRef) {
    const certFile = inputs.originCert ?? config?.origincert ?? findDefaultOriginCert(directories);
    let id = tunnelRef.toLowerCase();
    if (!isTunnelId(tunnelRef)) {
      if (!certFile) {
        throw new ConnectorError(
          `cannot resolve the tunnel name "${tunnelRef}"`,
          "a name is looked up through the API with cert.pem, and none was found",
          "run `burrow login`, pass --origincert, or run by id with --credentials-file or --token",
        );
      }
      cert = await readOriginCert(certFile);
      id = await resolveName(tunnelRef, cert, edgeFrom(edgeOverride, null, cert));
    }
    const searched = certFile ? [path.dirname(certFile)] : directories;
    const file = searched.map((dir) => path.join(dir, `${id}.json`)).find((f) => existsSync(f));
    if (!file) {
      throw new ConnectorError(
        `no credentials file for tunnel ${id}`,
        `looked for ${id}.json in ${searched.join(", ")}`,
        "pass --credentials-file <path>, or run with --token (burrow tunnel token <name>)",
      );
    }
    credentials = await readTunnelCredentials(file);
    credentialsFrom = file;
  } else {
    throw new ConnectorError(
      "no tunnel to run",
      "burrow tunnel run needs a tunnel name or id, a token, or a config file naming one",
      "burrow tunnel run <name>, burrow tunnel run --token <token>, or set tunnel: in config.yml",
    );
  }
  if (tunnelRef && isTunnelId(tunnelRef) && tunnelRef.toLowerCase() !== credentials.tunnelId) {
    throw new ConnectorError(
      `tunnel ${tunnelRef} does not match the credentials`,
      `${credentialsFrom} is for tunnel ${credentials.tunnelId}`,
      "run the tunnel the credentials are for, or pass that tunnel's credentials",
    );
  }

  const urlText = inputs.url ?? config?.url ?? null;
  return {
    credentials,
    credentialsFrom,
    edge: edgeFrom(edgeOverride, credentials, cert),
    config,
    singleOrigin: urlText ? parseHttpUrl(urlText, "--url") : null,
    helloWorld: inputs.helloWorld,
    haConnections: haConnectionsFrom(inputs.haConnections ?? config?.["ha-connections"] ?? null),
    metrics: inputs.metrics ?? config?.metrics ?? null,
    gracePeriodMs: gracePeriodFrom(inputs.gracePeriod ?? config?.["grace-period"] ?? null),
  };
}

/**
 * The edge to dial: `--edge` / BURROW_EDGE / the config's `edge:`, else the edge the token or
 * credentials file names (`e` / `Endpoint`), else cert.pem's, else the local default. An
 * endpoint that is not a URL (cloudflared's region names such as "fed") is ignored.
 */
export function edgeFrom(
  override: string | null,
  credentials: Pick<TunnelCredentials, "endpoint"> | null,
  cert: Pick<OriginCert, "endpoint"> | null,
): URL {
  if (override) return parseHttpUrl(override, "--edge");
  for (const endpoint of [credentials?.endpoint, cert?.endpoint]) {
    if (endpoint && /^https?:\/\//.test(endpoint)) {
      return parseHttpUrl(endpoint.replace(/\/client\/v4\/?$/, ""), "the endpoint");
    }
  }
  return new URL(DEFAULT_EDGE);
}

function haConnectionsFrom(value: string | number | null): number {
  if (value === null) return DEFAULT_HA_CONNECTIONS;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_HA_CONNECTIONS) {
    throw new ConnectorError(
      `bad --ha-connections "${value}"`,
      `expected a whole number from 1 to ${MAX_HA_CONNECTIONS}`,
      "e.g. --ha-connections 4 (cloudflared's default)",
    );
  }
  return count;
}

/** `--grace-period 30` / `30s`, or `grace-period: 30s` in the config; at most 3 min. */
function gracePeriodFrom(value: string | null): number {
  if (value === null) return 30_000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(value));
  const ms = match
    ? Number(match[1]) * (match[2] === "ms" ? 1 : match[2] === "m" ? 60_000 : 1_000)
    : Number.NaN;
  if (!Number.isFinite(ms) || ms > MAX_GRACE_PERIOD_SECONDS * 1000) {
    throw new ConnectorError(
      `bad --grace-period "${value}"`,
      `expected seconds (or 30s, 2m), at most ${MAX_GRACE_PERIOD_SECONDS}s`,
      "e.g. --grace-period 30s",
    );
  }
  return ms;
}

function parseHttpUrl(value: string, what: string): URL {
  try {
    const url = new URL(value.includes("://") ? value : `http://${value}`);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // Reported below.
  }
  throw new ConnectorError(
    `bad ${what} "${value}"`,
    "expected an http:// or https:// URL",
    `e.g. ${what} http://localhost:3000`,
  );
}

/**
 * `GET /accounts/{a}/cfd_tunnel?is_deleted=false&name=X` with cert.pem's API token, as
 * cloudflared resolves a name; exactly one tunnel must answer.
 */
export const resolveTunnelName: NameResolver = async (name, cert, edge) => {
  const url = new URL(`/client/v4/accounts/${cert.accountID}/cfd_tunnel`, edge);
  url.searchParams.set("is_deleted", "false");
  url.searchParams.set("name", name);
  let body: {
    success?: boolean;
    result?: Array<{ id: string }>;
    errors?: Array<{ message?: string }>;
  };
  try {
    const response = await smallRequest(url, {
      headers: { authorization: `Bearer ${cert.apiToken}`, accept: "application/json;version=1" },
      timeoutMs: 15_000,
    });
    body = JSON.parse(response.text) as typeof body;
  } catch (error) {
    throw new ConnectorError(
      `cannot look up the tunnel "${name}"`,
      (error as Error).message,
      `check that the edge at ${edge.origin} is reachable, or run by id with --token`,
    );
  }
  if (!body.success || !Array.isArray(body.result)) {
    throw new ConnectorError(
      `cannot look up the tunnel "${name}"`,
      body.errors?.map((e) => e.message).join("; ") || "the API refused",
      "run `burrow login` again (cert.pem), or run by id with --token",
    );
  }
  if (body.result.length !== 1) {
    throw new ConnectorError(
      `no single tunnel named "${name}"`,
      `the API lists ${body.result.length} live tunnels with that name`,
      "create it with `burrow tunnel create <name>`, or run it by id",
    );
  }
  return body.result[0]!.id;
};
