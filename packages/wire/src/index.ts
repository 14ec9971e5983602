/**
 * @burrow/wire: the frames a Tunnel Durable Object and a connector exchange, and their Cap'n Proto
 * encoding. Runs unchanged in workerd and Node.
 */
export type { DecodeOptions } from "./codec";
export { decodeFrame, encodeFrame } from "./codec";
export {
  INITIAL_WINDOW_BYTES,
  MAX_DATA_CHUNK_BYTES,
  MessageReceiveWindow,
  MessageSendWindow,
  ReceiveWindow,
  SendWindow,
  WINDOW_UPDATE_THRESHOLD_BYTES,
} from "./flow-control";
export * from "./frame";
export { PROTOCOL_VERSION } from "./protocol-version";
