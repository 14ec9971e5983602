import type { VpcRoute } from "@burrow/tunnel-contract";
import { type DnsRecordType, encodeFrame, type Frame, type Header, ResetCode } from "@burrow/wire";
import type { DnsCache, DnsLookup } from "./dns-cache";
import {
  contentLengthOf,
  HOP_BY_HOP,
  headersForVisitor,
  INTERNAL_HEADER_PREFIX,
} from "./forwarded-headers";
import { PublicStream, type StreamDeadlines, StreamFailure } from "./public-stream";

/** A stream the Tunnel DO tracks by id: a proxied request or a DNS question. */
export interface TunnelStream {
  readonly socket: WebSocket;
  receive(frame: Frame): boolean;
  fail(failure: StreamFailure): void;
  /** Applies the watchdog's deadlines (public-stream.ts); streams with their own timer omit it. */
  expire?(now: number, deadlines: StreamDeadlines): void;
}

/** What VPC routing needs from the Tunnel DO. */
export interface VpcHost {
  readonly dns: DnsCache;
  /** A live, non-draining connector socket that announced FEATURES.vpc, or null. */
  pickSocket(): WebSocket | null;
  /** Allocates a stream id on `socket` and tracks the stream until `onDone`. */
  register<T extends TunnelStream>(create: (id: number, onDone: () => void) => T): T;
  waitUntil(promise: Promise<unknown>): void;
}

/** How long the connector gets to answer one DNS question (its resolver times out at 5 s). */
const DNS_ANSWER_TIMEOUT_MS = 8_000;
/**
 * A request body up to this size is held so the request can be replayed on the next address when
 * the first one refuses the connection; a larger body streams to the first address only.
 */
const MAX_REPLAY_BODY_BYTES = 1024 * 1024;
/** Same cap as public traffic: Burrow streams bodies with flow control. */
const MAX_REQUEST_BODY_BYTES = 4 * 1024 ** 3;

/**
 * Sends `request` to the service `route` names: resolves its hostname through the connector (with
 * the DO's cache), then tries each address until one accepts the connection. Throws an Error with
 * a clear message, as Workers VPC does, when there is no connector, no address or no connection;
 * once the origin answers, its status passes through unchanged.
 */
export async function fetchVpcService(
  request: Request,
  route: VpcRoute,
  host: VpcHost,
): Promise<Response> {
  const fail = (message: string) => new Error(`VPC service "${route.serviceName}": ${message}`);
  if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
    throw fail("WebSocket upgrades are not supported through VPC services");
  }
  if (!host.pickSocket()) throw fail(noConnectorMessage());

  let addresses: string[];
  if ("addresses" in route.host) {
    addresses = route.host.addresses;
  } else {
    const { hostname, resolverIps } = route.host;
    try {
      addresses = await host.dns.resolve(hostname, resolverIps, (name, type) =>
        askConnector(host, name, type, resolverIps),
      );
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
  }

  const body = await replayableBody(request.body);
  const headers = headersForService(request, route.serverName);
  const where = "addresses" in route.host ? route.host.addresses.join(", ") : route.host.hostname;
  let lastFailure: StreamFailure | null = null;
  for (const [index, address] of addresses.entries()) {
    if (index > 0 && !body.replayable) break;
    const socket = host.pickSocket();
    if (!socket) throw fail(noConnectorMessage());
    const stream = host.register((id, onDone) => new PublicStream(id, socket, onDone));
    stream.send({
      kind: "requestHead",
      method: request.method,
      url: request.url,
      headers,
      websocket: false,
      hasBody: body.present,
      target: {
        address,
        port: route.port,
        tls: route.tls,
        serverName: route.serverName,
        certVerification: route.certVerification,
      },
    });
    if (body.present) {
      host.waitUntil(stream.pumpRequestBody(body.stream(), MAX_REQUEST_BODY_BYTES));
    }
    let head: Awaited<PublicStream["head"]>;
    try {
      head = await stream.head;
    } catch (error) {
      if (!(error instanceof StreamFailure)) throw error;
      lastFailure = error;
      // Only a failed connect is worth another address; anything later already reached the origin.
      if (error.code === ResetCode.originUnreachable) continue;
      break;
    }
    const bodyless =
      request.method === "HEAD" || head.status === 204 || head.status === 304 || head.status < 200;
    if (bodyless) stream.finishWithoutBody();
    if (head.status < 200 || head.status > 599) {
      throw fail(`the origin answered with unsupported status ${head.status}`);
    }
    const responseHeaders = headersForVisitor(head.headers);
    return new Response(bodyless ? null : stream.responseBody(contentLengthOf(responseHeaders)), {
      status: head.status,
      statusText: head.statusText,
      headers: responseHeaders,
      encodeBody: "manual",
    });
  }
  throw fail(connectFailureMessage(lastFailure, where, route.port));
}

function noConnectorMessage(): string {
  return "the tunnel has no live connector with VPC enabled (start one with `burrow tunnel --vpc`)";
}

function connectFailureMessage(failure: StreamFailure | null, where: string, port: number) {
  const detail = failure?.message ?? "no address";
  switch (failure?.code) {
    case ResetCode.originUnreachable:
      return `could not connect to ${where} on port ${port}: ${detail}`;
    case ResetCode.originTimeout:
      return `connection to ${where} on port ${port} timed out`;
    case ResetCode.refused:
      return `the connector refused to dial ${where} on port ${port}: ${detail}`;
    case ResetCode.goingAway:
      return `the connector went away during the request: ${detail}`;
    default:
      return `the request to ${where} on port ${port} failed: ${detail}`;
  }
}

/**
 * The caller's headers minus hop-by-hop and internal ones; Host is always the caller URL's
 * hostname, whatever Host header the caller set, because the service decides where bytes go.
 */
function headersForService(request: Request, serverName: string): Header[] {
  const out: Header[] = [["host", serverName]];
  for (const [name, value] of request.headers) {
    if (name === "host" || HOP_BY_HOP.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX)) {
      continue;
    }
    out.push([name, value]);
  }
  return out;
}

interface ReplayableBody {
  present: boolean;
  replayable: boolean;
  stream(): ReadableStream<Uint8Array>;
}

/** Holds a small body in memory so a refused connection can be retried on the next address. */
async function replayableBody(body: ReadableStream<Uint8Array> | null): Promise<ReplayableBody> {
  if (!body) return { present: false, replayable: true, stream: () => new ReadableStream() };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return {
        present: true,
        replayable: true,
        stream: () =>
          new ReadableStream({
            start(controller) {
              for (const chunk of chunks) controller.enqueue(chunk);
              controller.close();
            },
          }),
      };
    }
    chunks.push(value);
    size += value.byteLength;
    if (size > MAX_REPLAY_BODY_BYTES) break;
  }
  // Too large to hold: the prefix read so far, then the rest, once.
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { present: true, replayable: false, stream: () => rest };
}

/** No connector can carry the question. */
class NoConnectorError extends Error {
  constructor() {
    super(noConnectorMessage());
    this.name = "NoConnectorError";
  }
}

/** Sends one DNS question on a fresh stream and waits for the connector's answer. */
function askConnector(
  host: VpcHost,
  hostname: string,
  recordType: DnsRecordType,
  resolverIps: string[],
): Promise<DnsLookup> {
  const socket = host.pickSocket();
  if (!socket) return Promise.reject(new NoConnectorError());
  const exchange = host.register((id, onDone) => new DnsExchange(id, socket, onDone));
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
