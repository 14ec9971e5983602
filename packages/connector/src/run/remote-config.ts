import { setTimeout as sleep } from "node:timers/promises";
import { ConnectorError } from "../connector-error";
import type { TunnelCredentials } from "../named-tunnel/credentials";
import { type SmallResponse, smallRequest } from "../small-request";

/** A remotely managed tunnel's configuration: cheap to read, so polled this often. */
export const REMOTE_CONFIG_POLL_MS = 3_000;
const FETCH_TIMEOUT_MS = 15_000;

/** What `GET /client/v4/connector/configuration` answers (workers/api connector-configuration.ts). */
export interface ConnectorConfiguration {
  configSrc: "local" | "cloudflare";
  version: number;
  config: { ingress?: unknown; originRequest?: unknown } | null;
}

/**
 * Reads the tunnel's own remote configuration, authenticated as on `/connect` with the tunnel id
 * and secret (the token carries no API token).
 */
export async function fetchConnectorConfiguration(
  edge: URL,
  credentials: Pick<TunnelCredentials, "tunnelId" | "tunnelSecret">,
  signal?: AbortSignal,
): Promise<ConnectorConfiguration> {
  const url = new URL("/client/v4/connector/configuration", edge);
  let response: SmallResponse;
  try {
    // Polled every few seconds for the daemon's life: node:http, not fetch (see smallRequest).
    response = await smallRequest(url, {
      headers: {
        authorization: `Bearer ${credentials.tunnelSecret}`,
        "x-burrow-tunnel-id": credentials.tunnelId,
        accept: "application/json",
      },
      timeoutMs: FETCH_TIMEOUT_MS,
      signal,
    });
  } catch (error) {
    throw new ConnectorError(
      "could not read the tunnel's configuration from the edge",
      (error as Error).message,
      "burrow retries on its own",
      { retryable: true },
    );
  }
  const body = response.json<{
    success?: boolean;
    result?: { config_src?: string; version?: number; config?: unknown };
    errors?: Array<{ message?: string }>;
  }>();
  if (!response.ok || !body?.success || !body.result) {
    const reason = body?.errors?.map((e) => e.message).join("; ") || `HTTP ${response.status}`;
    throw new ConnectorError(
      "the edge refused to send the tunnel's configuration",
      reason,
      response.status === 401
        ? "check the tunnel's credentials file or token"
        : "burrow retries on its own",
      { retryable: response.status !== 401 && response.status !== 410 },
    );
  }
  const { config_src, version, config } = body.result;
  return {
    configSrc: config_src === "cloudflare" ? "cloudflare" : "local",
    version: typeof version === "number" ? version : 0,
    config:
      config && typeof config === "object" ? (config as ConnectorConfiguration["config"]) : null,
  };
}

/**
 * Polls the remote configuration and calls `apply` for every version newer than the last one
 * seen; failures are logged and retried at the next tick (the tunnel keeps its current rules).
 */
export async function pollRemoteConfiguration(options: {
  edge: URL;
  credentials: Pick<TunnelCredentials, "tunnelId" | "tunnelSecret">;
  fromVersion: number;
  apply: (configuration: ConnectorConfiguration) => void;
  log: (message: string) => void;
  signal: AbortSignal;
  intervalMs?: number;
}): Promise<void> {
  let seen = options.fromVersion;
  let failing = false;
  while (!options.signal.aborted) {
    await sleep(options.intervalMs ?? REMOTE_CONFIG_POLL_MS, undefined, {
      signal: options.signal,
    }).catch(() => {});
    if (options.signal.aborted) return;
    try {
      const configuration = await fetchConnectorConfiguration(
        options.edge,
        options.credentials,
        options.signal,
      );
      if (failing) options.log("reading the remote configuration works again");
      failing = false;
      if (configuration.version > seen) {
        seen = configuration.version;
        options.apply(configuration);
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (!failing) {
        const why =
          error instanceof ConnectorError ? `${error.message}: ${error.why}` : String(error);
        options.log(`${why}; keeping configuration version ${seen}`);
      }
      failing = true;
    }
  }
}
