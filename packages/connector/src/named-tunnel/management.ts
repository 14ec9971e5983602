import path from "node:path";
import { ApiClient } from "../api/client";
import { explainApiError } from "../api/explain";
import { ConnectorError } from "../connector-error";
import { findOriginCert, type OriginCert, readOriginCert } from "./origin-cert";

/** The API's path under an edge's apex (workers/api). */
export const API_PATH = "/client/v4";

/**
 * What every management command needs, as cloudflared's `subcommandContext` gathers it: the
 * origin certificate, the API client built from it, and the edge the API belongs to.
 */
export interface Management {
  client: ApiClient;
  cert: OriginCert;
  certPath: string;
  /** The edge's base URL (where connectors dial `/connect`), written into credentials and tokens. */
  edgeUrl: URL;
  /** `accounts/<account>/cfd_tunnel`, relative to the API base. */
  tunnelsPath: string;
  /** Rewrites an API failure as what happened / why / how to fix. */
  explain(error: unknown, doing: string): unknown;
}

/** The flags management commands read (TUNNEL_ARGS). */
export interface ManagementFlags {
  origincert?: string;
  "api-url"?: string;
  edge?: string;
}

function parseApiUrl(value: string, source: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {}
  throw new ConnectorError(
    `bad API URL "${value}" (from ${source})`,
    "expected an http:// or https:// URL",
    `e.g. --api-url http://127.0.0.1:8787${API_PATH}`,
  );
}

/** `<edge>/client/v4` for an edge URL. */
export function apiUrlForEdge(edge: URL): URL {
  return new URL(`${edge.href.replace(/\/+$/, "")}${API_PATH}`);
}

/** The edge an API URL lives on: the URL without its trailing `/client/v4`. */
export function edgeUrlForApi(api: URL): URL {
  const edge = new URL(api.href);
  edge.pathname = edge.pathname.replace(/\/+$/, "").replace(/\/client\/v4$/, "") || "/";
  edge.search = "";
  return edge;
}

/**
 * The API base: `--api-url` / `TUNNEL_API_URL` (cloudflared's names), else the `endpoint` that
 * `burrow login` put in cert.pem, else `<--edge>/client/v4`.
 */
export function resolveApiUrl(flags: ManagementFlags, cert: OriginCert): URL {
  const fromFlag = flags["api-url"] || process.env.TUNNEL_API_URL;
  if (fromFlag) return parseApiUrl(fromFlag, "--api-url / TUNNEL_API_URL");
  if (cert.endpoint) return parseApiUrl(cert.endpoint, "cert.pem's endpoint");
  return apiUrlForEdge(parseApiUrl(flags.edge ?? "http://127.0.0.1:8787", "--edge"));
}

/** Reads cert.pem (cloudflared's search path) and builds the API client from it. */
export async function openManagement(flags: ManagementFlags): Promise<Management> {
  const certPath = path.resolve(
    await findOriginCert(flags.origincert || process.env.TUNNEL_ORIGIN_CERT || undefined),
  );
  const cert = await readOriginCert(certPath);
  const apiUrl = resolveApiUrl(flags, cert);
  return {
    client: new ApiClient({ baseUrl: apiUrl, token: cert.apiToken }),
    cert,
    certPath,
    edgeUrl: edgeUrlForApi(apiUrl),
    tunnelsPath: `accounts/${encodeURIComponent(cert.accountID)}/cfd_tunnel`,
    explain: (error, doing) => explainApiError(error, doing, apiUrl),
  };
}

/** The edge URL as credentials files and tokens carry it (`Endpoint` / `e`), without a trailing slash. */
export function edgeEndpoint(m: Pick<Management, "edgeUrl">): string {
  return m.edgeUrl.href.replace(/\/+$/, "");
}
