import { defineCommand } from "citty";
import { ConnectorError } from "../../connector-error";
import { TUNNEL_ARGS, tunnelFlags } from "../tunnel-flags";

/**
 * `burrow tunnel ready --metrics <host:port>`: exits 0 when the connector's `/ready` answers 200
 * (at least one connection registered), 1 otherwise; for health checks of containers and units.
 */
export default defineCommand({
  meta: { name: "ready", description: "Exit 0 if the tunnel at --metrics has a live connection" },
  args: TUNNEL_ARGS,
  async run() {
    const address = tunnelFlags().metrics;
    if (!address) {
      throw new ConnectorError(
        "no --metrics address",
        "tunnel ready asks a running connector's metrics server",
        "burrow tunnel ready --metrics 127.0.0.1:20241",
      );
    }
    const url = new URL("/ready", address.includes("://") ? address : `http://${address}`);
    let status: number;
    let body: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      status = response.status;
      body = await response.text();
    } catch (error) {
      throw new ConnectorError(
        `no connector answers on ${url.host}`,
        (error as Error).message,
        "check the --metrics address the connector was started with",
      );
    }
    if (status !== 200) {
      throw new ConnectorError(
        "the tunnel is not ready",
        `${url.href} answered ${status}: ${body.trim()}`,
        "wait for a connection to register, or check the connector's log",
      );
    }
    process.stdout.write(`${body.trim()}\n`);
  },
});
