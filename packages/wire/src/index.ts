/**
 * @burrow/wire: the frames a Tunnel Durable Object and a connector exchange, and their Cap'n Proto
 * encoding, and the connector handshake around them. Runs unchanged in workerd and Node.
 */
export type { DecodeOptions } from "./codec";
export {
  DATA_FRAME_PAYLOAD_OFFSET,
  dataFrameBytes,
  decodeFrame,
  encodeDataFrame,
  encodeDataFrameAround,
  encodeDataFrameHeader,
  encodeDataFrameInto,
  encodeFrame,
  readDataFrameHeader,
} from "./codec";
export {
  GROWN_WINDOWS_BUDGET_BYTES,
  INITIAL_WINDOW_BYTES,
  MAX_DATA_CHUNK_BYTES,
  MAX_GROWN_WINDOW_BYTES,
  MessageReceiveWindow,
  MessageSendWindow,
  ReceiveWindow,
  SendWindow,
  WINDOW_UPDATE_THRESHOLD_BYTES,
  WindowBudget,
} from "./flow-control";
export * from "./frame";
export {
  joinFrameBatch,
  MAX_FRAME_BATCH_BYTES,
  type SplitBatch,
  splitFrameBatch,
} from "./frame-batch";
export {
  CLOSE_CODES,
  CONNECT_PATH,
  type ConnectorIdentity,
  connectRequestHeaders,
  EDGE_FEATURES,
  FEATURES,
  formatFeatures,
  HANDSHAKE_HEADERS,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_PING,
  HEARTBEAT_PONG,
  HEARTBEAT_STALE_MS,
  isSendableCloseCode,
  parseFeatures,
} from "./handshake";
export type { DataFrameHeader } from "./hot-frames";
export { PROTOCOL_VERSION } from "./protocol-version";
