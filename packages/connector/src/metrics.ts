/** Counters the connector exposes on `/metrics` in Prometheus text format. */
export class ConnectorMetrics {
  requestsTotal = 0;
  requestErrorsTotal = 0;
  requestsInFlight = 0;
  connections = 0;
  reconnectsTotal = 0;
  /** DNS questions for VPC services answered (or refused) by this connector. */
  dnsQuestionsTotal = 0;

  requestStarted(): void {
    this.requestsTotal++;
    this.requestsInFlight++;
  }

  requestFinished(failed: boolean): void {
    this.requestsInFlight--;
    if (failed) this.requestErrorsTotal++;
  }

  connectionOpened(): void {
    this.connections++;
  }

  connectionClosed(): void {
    this.connections = Math.max(0, this.connections - 1);
  }

  /** The Prometheus exposition text (version 0.0.4). */
  render(): string {
    const rows: Array<[string, string, string, number]> = [
      [
        "burrow_tunnel_requests_total",
        "counter",
        "Requests proxied to the origin.",
        this.requestsTotal,
      ],
      [
        "burrow_tunnel_request_errors_total",
        "counter",
        "Requests that failed.",
        this.requestErrorsTotal,
      ],
      ["burrow_tunnel_requests_in_flight", "gauge", "Requests running now.", this.requestsInFlight],
      ["burrow_tunnel_ha_connections", "gauge", "Live connections to the edge.", this.connections],
      ["burrow_tunnel_reconnects_total", "counter", "Reconnect attempts.", this.reconnectsTotal],
      [
        "burrow_vpc_dns_questions_total",
        "counter",
        "DNS questions for VPC services.",
        this.dnsQuestionsTotal,
      ],
    ];
    return rows
      .map(
        ([name, type, help, value]) =>
          `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`,
      )
      .join("");
  }
}
