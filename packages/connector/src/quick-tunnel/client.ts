import { ConnectorError } from "../connector-error";
import { type SmallResponse, smallRequest } from "../small-request";

/** The credentials `POST /tunnel` hands out, in the shape cloudflared's client parses. */
export interface QuickTunnelCredentials {
  id: string;
  name: string;
  hostname: string;
  accountTag: string;
  /** The 32 raw secret bytes, standard base64 on the wire. */
  secret: string;
}

interface Envelope {
  success?: boolean;
  result?: { id?: string; name?: string; hostname?: string; account_tag?: string; secret?: string };
  errors?: Array<{ code?: number; message?: string }>;
}

/** Asks the quick-tunnel service at `edge` for a new tunnel. */
export async function requestQuickTunnel(edge: URL): Promise<QuickTunnelCredentials> {
  const url = new URL("/tunnel", edge);
  let response: SmallResponse;
  try {
    response = await smallRequest(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "burrow" },
      timeoutMs: 15_000,
    });
  } catch (error) {
    throw new ConnectorError(
      `could not reach the quick-tunnel service at ${url}`,
      (error as Error).message,
      "check --edge and that the Burrow Workers are running (pnpm dev)",
      { retryable: true },
    );
  }
  const envelope = response.json<Envelope>() ?? {};
  const result = envelope.result;
  if (!response.ok || !envelope.success || !result?.id || !result.hostname || !result.secret) {
    const reason = envelope.errors?.map((e) => e.message).join("; ") || `HTTP ${response.status}`;
    const retryAfter = response.header("retry-after");
    throw new ConnectorError(
      "the quick-tunnel service did not create a tunnel",
      reason,
      response.status === 429
        ? `wait ${retryAfter ?? "a minute"} seconds and try again`
        : "try again; if it persists, check the Workers' logs",
    );
  }
  return {
    id: result.id,
    name: result.name ?? "",
    hostname: result.hostname,
    accountTag: result.account_tag ?? "",
    secret: result.secret,
  };
}

/** The public URL for `hostname`: the edge's scheme, and its port when it is not the default. */
export function publicUrlFor(edge: URL, hostname: string): string {
  return `${edge.protocol}//${hostname}${edge.port ? `:${edge.port}` : ""}`;
}
