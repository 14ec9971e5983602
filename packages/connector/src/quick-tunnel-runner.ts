import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { fullJitterDelayMs } from "./backoff";
import { ConnectorError } from "./connector-error";
import { readCredentialsFile, writeCredentialsFile } from "./credentials-file";
import { EdgeConnection } from "./edge-connection";
import { ConnectorMetrics } from "./metrics";
import type { MetricsSource } from "./metrics-server";
import {
  publicUrlFor,
  type QuickTunnelCredentials,
  requestQuickTunnel,
} from "./quick-tunnel-client";
import type { VpcOptions } from "./vpc-networks";

/** The version the connector reports to the edge. */
export const CONNECTOR_VERSION = "0.1.0";

/** How a quick tunnel runs. */
export interface QuickTunnelOptions {
  edge: URL;
  origin: URL;
  /** Time in-flight requests get to finish after a shutdown signal. */
  gracePeriodMs: number;
  log: (message: string) => void;
  /** Serve VPC services (`--vpc`): target overrides and DNS questions within these networks. */
  vpc?: VpcOptions | null;
  /** `--credentials-file`: reuse the tunnel saved there, or save the one minted now. */
  credentialsFile?: string | null;
}

/**
 * A quick tunnel's life: mint once, then keep one connection to the edge up forever with
 * full-jitter backoff, the same tunnel and hostname across reconnects, and a graceful drain.
 */
export class QuickTunnelRunner implements MetricsSource {
  readonly connectorId = crypto.randomUUID();
  readonly metrics = new ConnectorMetrics();
  readonly #options: QuickTunnelOptions;
  readonly #stopping = new AbortController();
  readonly #agent = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  #credentials: QuickTunnelCredentials | null = null;
  #connection: EdgeConnection | null = null;
  #registered = false;

  constructor(options: QuickTunnelOptions) {
    this.#options = options;
  }

  /**
   * Mints the quick tunnel (or loads it from the credentials file) and returns its public URL,
   * before connecting.
   */
  async mint(): Promise<{ credentials: QuickTunnelCredentials; publicUrl: string }> {
    const { edge, credentialsFile, log } = this.#options;
    const saved = credentialsFile ? await readCredentialsFile(credentialsFile, edge) : null;
    if (saved) log(`reusing tunnel ${saved.id} from ${credentialsFile}`);
    this.#credentials = saved ?? (await requestQuickTunnel(edge));
    if (credentialsFile && !saved) {
      await writeCredentialsFile(credentialsFile, edge, this.#credentials);
      log(`saved the tunnel's credentials to ${credentialsFile}`);
    }
    return {
      credentials: this.#credentials,
      publicUrl: publicUrlFor(this.#options.edge, this.#credentials.hostname),
    };
  }

  /** Keeps the tunnel connected until {@link shutdown}; throws a fatal {@link ConnectorError}. */
  async run(): Promise<void> {
    const credentials = this.#credentials;
    if (!credentials) throw new Error("mint() first");
    let attempt = 0;
    while (!this.#stopping.signal.aborted) {
      const connection = new EdgeConnection({
        edge: this.#options.edge,
        tunnelId: credentials.id,
        secret: credentials.secret,
        connectorId: this.connectorId,
        connIndex: 0,
        version: CONNECTOR_VERSION,
        origin: this.#options.origin,
        agent: this.#agent,
        metrics: this.metrics,
        log: this.#options.log,
        vpc: this.#options.vpc ?? null,
      });
      this.#connection = connection;
      try {
        await connection.open();
        this.#registered = true;
        attempt = 0;
        this.#options.log(`connection registered with the edge (tunnel ${credentials.id})`);
        const end = await connection.ended;
        this.#registered = false;
        if (this.#stopping.signal.aborted) break;
        this.#options.log(
          `connection to the edge closed (${end.code} ${end.reason}); reconnecting`,
        );
      } catch (error) {
        this.#registered = false;
        if (!(error instanceof ConnectorError) || !error.retryable) throw error;
        this.#options.log(`${error.message}: ${error.why}`);
      }
      this.metrics.reconnectsTotal++;
      const delayMs = fullJitterDelayMs(attempt++);
      await sleep(delayMs, undefined, { signal: this.#stopping.signal }).catch(() => {});
    }
  }

  /**
   * Stops taking new requests, lets running ones finish within the grace period, then closes.
   * Idempotent: a second call returns the first call's promise.
   */
  shutdown = once(async (): Promise<void> => {
    this.#stopping.abort();
    const connection = this.#connection;
    if (connection && this.#registered) {
      connection.goAway();
      const deadline = Date.now() + this.#options.gracePeriodMs;
      while (connection.inFlight > 0 && Date.now() < deadline) await sleep(50);
      if (connection.inFlight > 0) {
        this.#options.log(`grace period over; aborting ${connection.inFlight} request(s)`);
      }
    }
    connection?.close(1001, "connector shutting down");
    this.#agent.http.destroy();
    this.#agent.https.destroy();
    this.#options.vpc?.tls.destroy();
  });

  readyConnections(): number {
    return this.#registered ? 1 : 0;
  }

  hostname(): string | null {
    return this.#credentials?.hostname ?? null;
  }

  renderMetrics(): string {
    return this.metrics.render();
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null;
  return () => {
    result ??= fn();
    return result;
  };
}
