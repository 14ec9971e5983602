export { fullJitterDelayMs } from "./backoff";
export { ConnectorError } from "./connector-error";
export { EdgeConnection, type EdgeConnectionOptions } from "./edge-connection";
export { ConnectorMetrics } from "./metrics";
export { startMetricsServer } from "./metrics-server";
export { originUrlFor } from "./origin-router";
export { quickTunnelBanner } from "./quick-tunnel/banner";
export { publicUrlFor, requestQuickTunnel } from "./quick-tunnel/client";
export { CONNECTOR_VERSION, TunnelRunner } from "./tunnel-runner";
