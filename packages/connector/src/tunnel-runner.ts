import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { CLOSE_CODES } from "@burrow/wire";
import { fullJitterDelayMs } from "./backoff";
import { ConnectorError } from "./connector-error";
import {
  EdgeConnection,
  type EdgeConnectionOptions,
  type TunnelKind,
  tunnelDeleted,
} from "./edge-connection";
import { sizeHeapForServing } from "./heap-sizing";
import { mallocTunablesHint, runsOnGlibc } from "./malloc-tunables";
import { ConnectorMetrics } from "./metrics";
import type { MetricsSource } from "./metrics-server";
import { OriginHttpAgent } from "./origin-http1/origin-http-agent";
import { OriginAgentPool, type OriginRouter, SingleOriginRouter } from "./origin-router";
import type { VpcOptions } from "./vpc/options";

/** The version the connector reports to the edge. */
export const CONNECTOR_VERSION = "0.1.0";

/**
 * cloudflared registers connection 0 first and starts each further HA connection a second after
 * the previous one, so a connector restart does not hit the edge with all of them at once.
 */
const HA_CONNECTION_STAGGER_MS = 1_000;

/** What the edge needs to accept this connector's connections for a tunnel. */
export interface TunnelCredentials {
  tunnelId: string;
  /** Standard base64 of the tunnel secret. */
  secret: string;
}

/** How a tunnel runs. */
export interface TunnelRunnerOptions {
  edge: URL;
  /** A single origin (`--url`, quick tunnels); ignored when `router` is given. */
  origin?: URL;
  /** How requests pick their origin (a named tunnel's ingress); swap with {@link setRouter}. */
  router?: OriginRouter;
  credentials: TunnelCredentials;
  /** Quick or named: a refusal's advice depends on it. */
  tunnelKind: TunnelKind;
  /** Connections to the edge; quick tunnels use 1, named tunnels 4 (`--ha-connections`). */
  haConnections: number;
  /** Time in-flight requests get to finish after a shutdown signal. */
  gracePeriodMs: number;
  log: (message: string) => void;
  /** Serve VPC services (`--vpc`): target overrides and DNS questions within these networks. */
  vpc?: VpcOptions | null;
  /** The quick tunnel's public hostname, reported on `/quicktunnel`. */
  hostname?: string | null;
  /** Set with `--inspect`: every request is recorded through an observer made here. */
  observe?: EdgeConnectionOptions["observe"];
}

/** One of the runner's edge connections and its reconnect state. */
interface ConnectionSlot {
  index: number;
  connection: EdgeConnection | null;
  registered: boolean;
}

/**
 * A tunnel's life on this machine: N connections to the edge, each kept up forever with
 * full-jitter backoff on its own (one dropping never disturbs the others), and a graceful drain
 * of all of them on shutdown.
 */
export class TunnelRunner implements MetricsSource {
  readonly connectorId = crypto.randomUUID();
  readonly metrics = new ConnectorMetrics();
  readonly #options: TunnelRunnerOptions;
  readonly #stopping = new AbortController();
  readonly #agent = {
    http: new OriginHttpAgent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  readonly #slots: ConnectionSlot[];
  /** Agents of ingress origins, shared by every configuration version this runner applies. */
  readonly originAgents = new OriginAgentPool();
  #router: OriginRouter;
  #configVersion = 0;

  constructor(options: TunnelRunnerOptions) {
    this.#options = options;
    if (!options.router && !options.origin)
      throw new Error("TunnelRunner needs an origin or a router");
    this.#router = options.router ?? new SingleOriginRouter(options.origin!, this.#agent);
    this.#slots = Array.from({ length: options.haConnections }, (_, index) => ({
      index,
      connection: null,
      registered: false,
    }));
  }

  /**
   * Keeps every connection up until {@link shutdown}. Rejects with the first fatal
   * {@link ConnectorError} (wrong credentials, deleted tunnel), after closing the others.
   */
  async run(): Promise<void> {
    sizeHeapForServing();
    const hint = mallocTunablesHint(process.env, runsOnGlibc());
    if (hint) this.#options.log(hint);
    const loops = this.#slots.map(async (slot) => {
      if (slot.index > 0) {
        await sleep(slot.index * HA_CONNECTION_STAGGER_MS, undefined, {
          signal: this.#stopping.signal,
        }).catch(() => {});
      }
      await this.#keepConnected(slot);
    });
    try {
      await Promise.all(loops);
    } catch (error) {
      this.#stopping.abort();
      for (const slot of this.#slots) slot.connection?.close(1000, "connector stopping");
      throw error;
    }
  }

  /**
   * Routes requests that start from now on with `router`; requests already running keep the
   * origin they were routed to, so a new configuration drops nothing in flight.
   */
  setRouter(router: OriginRouter): void {
    this.#router = router;
  }

  /** The router in force now (the inspector replays through it, as a new request would go). */
  get router(): OriginRouter {
    return this.#router;
  }

  /**
   * Records the remote configuration version now routed by and reports it on every registered
   * connection; connections that register later announce it in their `hello`.
   */
  setConfigVersion(version: number): void {
    this.#configVersion = version;
    this.metrics.configVersion = version;
    for (const slot of this.#slots) {
      if (slot.registered) slot.connection?.reportConfigVersion(version);
    }
  }

  /** One slot's reconnect loop. */
  async #keepConnected(slot: ConnectionSlot): Promise<void> {
    const { edge, credentials, log } = this.#options;
    let attempt = 0;
    while (!this.#stopping.signal.aborted) {
      const connection = new EdgeConnection({
        edge,
        tunnelId: credentials.tunnelId,
        tunnelKind: this.#options.tunnelKind,
        secret: credentials.secret,
        connectorId: this.connectorId,
        connIndex: slot.index,
        version: CONNECTOR_VERSION,
        router: () => this.#router,
        configVersion: () => this.#configVersion,
        agent: this.#agent,
        metrics: this.metrics,
        log,
        vpc: this.#options.vpc ?? null,
        observe: this.#options.observe ?? null,
      });
      slot.connection = connection;
      try {
        const registration = await connection.open();
        slot.registered = true;
        this.metrics.connectionRegistered.set(slot.index, true);
        attempt = 0;
        log(
          `Registered tunnel connection connIndex=${slot.index} connection=${registration.connectionId} location=${registration.location}`,
        );
        const end = await connection.ended;
        slot.registered = false;
        this.metrics.connectionRegistered.set(slot.index, false);
        if (this.#stopping.signal.aborted) break;
        log(`connection ${slot.index} to the edge closed (${end.code} ${end.reason})`);
        // The edge closes 4410 only once the registry deleted the tunnel: retrying is pointless.
        if (end.code === CLOSE_CODES.tunnelDeleted) throw tunnelDeleted(this.#options.tunnelKind);
      } catch (error) {
        slot.registered = false;
        this.metrics.connectionRegistered.set(slot.index, false);
        if (!(error instanceof ConnectorError) || !error.retryable) throw error;
        log(`connection ${slot.index}: ${error.message}: ${error.why}`);
      }
      if (this.#stopping.signal.aborted) break;
      this.metrics.reconnectsTotal++;
      const delayMs = fullJitterDelayMs(attempt++);
      log(`Retrying connection ${slot.index} in up to ${formatSeconds(delayMs)}`);
      await sleep(delayMs, undefined, { signal: this.#stopping.signal }).catch(() => {});
    }
  }

  /**
   * Stops taking new requests on every connection, lets running ones finish within the grace
   * period, then closes. Idempotent: a second call returns the first call's promise.
   */
  shutdown = once(async (): Promise<void> => {
    this.#stopping.abort();
    const draining = this.#slots.filter((slot) => slot.registered && slot.connection);
    for (const slot of draining) slot.connection!.goAway();
    const inFlight = () => draining.reduce((sum, slot) => sum + slot.connection!.inFlight, 0);
    const deadline = Date.now() + this.#options.gracePeriodMs;
    while (inFlight() > 0 && Date.now() < deadline) await sleep(50);
    if (inFlight() > 0) this.#options.log(`grace period over; aborting ${inFlight()} request(s)`);
    // Waits for each close to complete, so what the drained streams sent last leaves the process.
    await Promise.all(
      this.#slots.map((slot) => slot.connection?.close(1001, "connector shutting down")),
    );
    this.#agent.http.destroy();
    this.#agent.https.destroy();
    this.originAgents.destroy();
    this.#options.vpc?.tls.destroy();
  });

  readyConnections(): number {
    return this.#slots.filter((slot) => slot.registered).length;
  }

  hostname(): string | null {
    return this.#options.hostname ?? null;
  }

  renderMetrics(): string {
    return this.metrics.render();
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)}s`;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null;
  return () => {
    result ??= fn();
    return result;
  };
}
