import { type DnsRecordType, encodeFrame, FEATURES, type Frame, ResetCode } from "@burrow/wire";
import type { DnsLookup } from "../tunnel/dns-cache";
import type { ConnectorSockets } from "./connector-sockets";
import { StreamFailure, type TunnelStream } from "./stream-failure";
import type { StreamTable } from "./stream-table";

/** How long the connector gets to answer one DNS question (its resolver times out at 5 s). */
const DNS_ANSWER_TIMEOUT_MS = 8_000;

/** No connector with VPC enabled can carry the question (or the request). */
export class NoVpcConnector extends Error {
  constructor() {
    super(
      "the tunnel has no live connector with VPC enabled (start one with `burrow tunnel --vpc`)",
    );
    this.name = "NoVpcConnector";
  }
}

/** Sends one DNS question on a fresh stream of a VPC connector and waits for its answer. */
export function askConnector(
  sockets: ConnectorSockets,
  streams: StreamTable,
  hostname: string,
  recordType: DnsRecordType,
  resolverIps: string[],
): Promise<DnsLookup> {
  const socket = sockets.pick(FEATURES.vpc);
  if (!socket) return Promise.reject(new NoVpcConnector());
  const id = streams.allocateId();
  const exchange = streams.add(new DnsExchange(id, socket, () => streams.remove(id)));
  exchange.ask(hostname, recordType, resolverIps);
  return exchange.answer;
}

/** One DNS question and its answer, tracked by stream id like a request. */
export class DnsExchange implements TunnelStream {
  readonly id: number;
  readonly socket: WebSocket;
  readonly answer: Promise<DnsLookup>;
  readonly #onDone: () => void;
  #resolve!: (lookup: DnsLookup) => void;
  #reject!: (error: Error) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #done = false;

  constructor(id: number, socket: WebSocket, onDone: () => void) {
    this.id = id;
    this.socket = socket;
    this.#onDone = onDone;
    this.answer = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.answer.catch(() => {});
  }

  /** Sends the question; the answer or a failure settles {@link answer}. */
  ask(hostname: string, recordType: DnsRecordType, resolverIps: string[]): void {
    this.#timer = setTimeout(
      () =>
        this.fail(new StreamFailure(ResetCode.originTimeout, "the connector did not answer DNS")),
      DNS_ANSWER_TIMEOUT_MS,
    );
    const frame: Frame = {
      kind: "dnsQuestion",
      streamId: this.id,
      hostname,
      recordType,
      resolverIps,
    };
    try {
      this.socket.send(encodeFrame(frame));
    } catch {
      this.fail(new StreamFailure(ResetCode.goingAway, "connector connection closed"));
    }
  }

  receive(frame: Frame): boolean {
    if (frame.kind === "dnsAnswer") {
      this.#finish();
      this.#resolve({
        status: frame.status,
        addresses: frame.addresses,
        ttlSeconds: frame.ttlSeconds,
      });
      return true;
    }
    if (frame.kind === "reset") {
      this.fail(new StreamFailure(frame.code, frame.message));
      return true;
    }
    return false;
  }

  fail(failure: StreamFailure): void {
    if (this.#done) return;
    this.#finish();
    this.#reject(new Error(`DNS question failed: ${failure.message}`));
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#onDone();
  }
}
