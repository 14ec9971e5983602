import http from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectorError } from "./connector-error";

/** What the metrics server reports on; the tunnel runner implements it. */
export interface MetricsSource {
  readyConnections(): number;
  connectorId: string;
  hostname(): string | null;
  renderMetrics(): string;
}

/**
 * cloudflared's `--metrics` endpoints: `/ready` (200 once a connection is registered, with
 * `readyConnections`), `/healthcheck` (`OK`), `/quicktunnel` (`{"hostname":…}`) and `/metrics`
 * (Prometheus).
 */
export async function startMetricsServer(
  address: string,
  source: MetricsSource,
): Promise<http.Server> {
  const { host, port } = parseAddress(address);
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://metrics").pathname;
    if (path === "/ready") {
      const readyConnections = source.readyConnections();
      const status = readyConnections > 0 ? 200 : 503;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify({ status, readyConnections, connectorId: source.connectorId }));
    } else if (path === "/healthcheck") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("OK\n");
    } else if (path === "/quicktunnel") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ hostname: source.hostname() ?? "" }));
    } else if (path === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(source.renderMetrics());
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new ConnectorError(
          `cannot serve metrics on ${address}`,
          error.message,
          "pick another --metrics address",
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  return server;
}

/** The port the server actually bound (useful with `:0`). */
export function boundPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

/** `host:port` as bound, IPv6 in brackets, for the `metrics on http://…/metrics` log line. */
export function metricsAddress(server: http.Server): string {
  const { address } = server.address() as AddressInfo;
  return `${address.includes(":") ? `[${address}]` : address}:${boundPort(server)}`;
}

function parseAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) {
    throw new ConnectorError(
      `bad --metrics address "${address}"`,
      "expected host:port",
      "e.g. --metrics 127.0.0.1:20241",
    );
  }
  return { host: match[1] || "127.0.0.1", port: Number(match[2]) };
}
