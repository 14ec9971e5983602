/** The signals that stop a tunnel, with their numbers for the 128+signal exit status. */
const STOP_SIGNALS = [
  ["SIGINT", 2],
  ["SIGTERM", 15],
] as const satisfies ReadonlyArray<readonly [NodeJS.Signals, number]>;

/** What {@link drainOnSignal} stops: the tunnel's drain, then the servers beside it. */
export interface DrainOnSignalOptions {
  /** Shown in the log line, so the operator knows how long a drain may take. */
  gracePeriodMs: number;
  log: (message: string) => void;
  /** Stops taking new work and resolves once in-flight requests are done or the grace ran out. */
  drain: () => Promise<void>;
  /** Closed after the drain: metrics, inspector, hello-world servers (absent ones as null). */
  servers: ReadonlyArray<{ close(): unknown } | null>;
}

/**
 * cloudflared's shutdown: the first SIGINT or SIGTERM drains the tunnel for up to the grace
 * period, closes the servers and exits 128+signal; a second one exits at once, for an operator who
 * will not wait for a slow request.
 */
export function drainOnSignal(options: DrainOnSignalOptions): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals, number: number) => {
    signals++;
    if (signals > 1) {
      options.log(`second ${signal}: exiting now`);
      process.exit(128 + number);
    }
    options.log(
      `${signal}: finishing in-flight requests (up to ${options.gracePeriodMs / 1000}s); send again to force`,
    );
    options.drain().finally(() => {
      for (const server of options.servers) server?.close();
      process.exit(128 + number);
    });
  };
  for (const [signal, number] of STOP_SIGNALS) process.on(signal, () => onSignal(signal, number));
}
