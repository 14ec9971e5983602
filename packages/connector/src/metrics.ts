/** Counters the connector exposes on `/metrics` in Prometheus text format. */
export class ConnectorMetrics {
  requestsTotal = 0;
  requestErrorsTotal = 0;
  requestsInFlight = 0;
  connections = 0;
  reconnectsTotal = 0;
  /** DNS questions for VPC services answered (or refused) by this connector. */
  dnsQuestionsTotal = 0;
  /** Requests by HA connection index. */
  readonly requestsByConnection = new Map<number, number>();
  /** Whether each HA connection index is registered now (set by the runner). */
  readonly connectionRegistered = new Map<number, boolean>();
  /** Requests by ingress rule index (0-based, as `ingress rule` numbers them). */
  readonly requestsByRule = new Map<number, number>();
  /** The remote configuration version applied, or null for a local one. */
  configVersion: number | null = null;

  requestStarted(connIndex?: number): void {
    this.requestsTotal++;
    this.requestsInFlight++;
    if (connIndex !== undefined) {
      this.requestsByConnection.set(connIndex, (this.requestsByConnection.get(connIndex) ?? 0) + 1);
    }
  }

  requestFinished(failed: boolean): void {
    this.requestsInFlight--;
    if (failed) this.requestErrorsTotal++;
  }

  ruleMatched(ruleIndex: number): void {
    this.requestsByRule.set(ruleIndex, (this.requestsByRule.get(ruleIndex) ?? 0) + 1);
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
    let text = rows
      .map(
        ([name, type, help, value]) =>
          `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`,
      )
      .join("");
    text += labelled(
      "burrow_tunnel_connection_requests_total",
      "counter",
      "Requests served per HA connection.",
      "conn_index",
      this.requestsByConnection,
    );
    text += labelled(
      "burrow_tunnel_connection_registered",
      "gauge",
      "1 while the HA connection is registered with the edge.",
      "conn_index",
      new Map([...this.connectionRegistered].map(([index, up]) => [index, up ? 1 : 0])),
    );
    text += labelled(
      "burrow_tunnel_ingress_rule_requests_total",
      "counter",
      "Requests matched per ingress rule (0-based).",
      "rule",
      this.requestsByRule,
    );
    if (this.configVersion !== null) {
      text += `# HELP burrow_tunnel_config_version Remote configuration version applied.\n# TYPE burrow_tunnel_config_version gauge\nburrow_tunnel_config_version ${this.configVersion}\n`;
    }
    return text;
  }
}

function labelled(
  name: string,
  type: string,
  help: string,
  label: string,
  values: ReadonlyMap<number, number>,
): string {
  if (values.size === 0) return "";
  const lines = [...values]
    .sort(([a], [b]) => a - b)
    .map(([key, value]) => `${name}{${label}="${key}"} ${value}`);
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join("\n")}\n`;
}
