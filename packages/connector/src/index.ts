export { fullJitterDelayMs } from "./backoff";
export { quickTunnelBanner } from "./banner";
export { ConnectorError } from "./connector-error";
export { EdgeConnection, type EdgeConnectionOptions } from "./edge-connection";
export { ConnectorMetrics } from "./metrics";
export { startMetricsServer } from "./metrics-server";
export { originUrlFor } from "./origin-stream";
export { publicUrlFor, requestQuickTunnel } from "./quick-tunnel-client";
export { CONNECTOR_VERSION, QuickTunnelRunner } from "./quick-tunnel-runner";
