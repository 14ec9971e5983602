import { env } from "cloudflare:workers";
import {
  createTunnel,
  createVpcService,
  deleteVpcService,
  getVpcService,
  hashSecret,
  updateVpcService,
  type VpcServiceConfig,
} from "@burrow/registry";
import {
  CONNECT_PATH,
  decodeFrame,
  encodeFrame,
  FEATURES,
  type Frame,
  type FrameBody,
  HANDSHAKE_HEADERS,
  ResetCode,
} from "@burrow/wire";
import { SERVICE_A } from "./fixtures";

type RequestHead = Extract<Frame, { kind: "requestHead" }>;
type DnsQuestion = Extract<Frame, { kind: "dnsQuestion" }>;

/** How the fake connector answers: by default 200 "ok" and A 10.0.0.5 for every name. */
export interface FakeBehaviour {
  dns?: (question: DnsQuestion) => Omit<Extract<FrameBody, { kind: "dnsAnswer" }>, "kind">;
  request?: (head: RequestHead) => { status: number } | { reset: number; message: string };
}

/**
 * A connector that speaks the real wire protocol to the real Tunnel DO over a real WebSocket, from
 * inside the test, so tests can see exactly which target and headers the DO sends. The cross-process
 * path with the real connector is covered by test/vpc.e2e.test.ts at the repository root.
 */
export class FakeConnector {
  readonly heads: RequestHead[] = [];
  readonly questions: DnsQuestion[] = [];
  readonly #socket: WebSocket;
  behaviour: FakeBehaviour;

  private constructor(socket: WebSocket, behaviour: FakeBehaviour) {
    this.#socket = socket;
    this.behaviour = behaviour;
    // Handled in arrival order, although reading a Blob is asynchronous.
    let queue = Promise.resolve();
    socket.addEventListener("message", (event) => {
      queue = queue.then(async () => this.#onMessage(await bytesOf(event.data)));
    });
  }

  /** Connects to `tunnelId`'s DO, announcing `features`, and waits for `registered`. */
  static async attach(
    tunnelId: string,
    features: string[] = [FEATURES.vpc],
    behaviour: FakeBehaviour = {},
  ): Promise<FakeConnector> {
    // Through the edge's real /connect, which checks the secret and hands the socket to the
    // connection's own object (workers/edge/src/index.ts).
    const response = await env.EDGE.fetch(`http://127.0.0.1${CONNECT_PATH}`, {
      headers: {
        upgrade: "websocket",
        authorization: `Bearer ${TEST_TUNNEL_SECRETS.get(tunnelId) ?? ""}`,
        [HANDSHAKE_HEADERS.tunnelId]: tunnelId,
        [HANDSHAKE_HEADERS.connectorId]: crypto.randomUUID(),
      },
    });
    const socket = response.webSocket;
    if (!socket) throw new Error(`connect answered ${response.status}`);
    socket.accept();
    const registered = new Promise<void>((resolve) => {
      const onMessage = async (event: MessageEvent) => {
        const decoded = decodeFrame(await bytesOf(event.data));
        if (decoded.ok && decoded.frame.kind === "registered") {
          socket.removeEventListener("message", onMessage);
          resolve();
        }
      };
      socket.addEventListener("message", onMessage);
    });
    socket.send(
      encodeFrame({
        kind: "hello",
        streamId: 0,
        connectorId: crypto.randomUUID(),
        version: "test",
        arch: "test",
        connIndex: 0,
        features,
        configVersion: 0,
      }),
    );
    await registered;
    return new FakeConnector(socket, behaviour);
  }

  close(): void {
    this.#socket.close(1000, "test done");
  }

  /** Drains, as a connector shutting down does: the edge routes new calls elsewhere. */
  goAway(): void {
    this.#send({ kind: "goAway", streamId: 0, reason: "test drains" });
  }

  #send(frame: Frame): void {
    this.#socket.send(encodeFrame(frame));
  }

  #onMessage(data: Uint8Array): void {
    const decoded = decodeFrame(data);
    if (!decoded.ok) throw new Error(`malformed frame: ${decoded.message}`);
    const frame = decoded.frame;
    if (frame.kind === "dnsQuestion") {
      this.questions.push(frame);
      const answer = this.behaviour.dns?.(frame) ?? {
        status: "ok" as const,
        addresses: frame.recordType === "A" ? ["10.0.0.5"] : [],
        ttlSeconds: 60,
      };
      // Answer asynchronously, as a real resolver does, so concurrent misses overlap.
      setTimeout(() => this.#send({ kind: "dnsAnswer", streamId: frame.streamId, ...answer }), 5);
      return;
    }
    if (frame.kind === "requestHead") {
      this.heads.push(frame);
      const outcome = this.behaviour.request?.(frame) ?? { status: 200 };
      if ("reset" in outcome) {
        this.#send({
          kind: "reset",
          streamId: frame.streamId,
          code: outcome.reset as ResetCode,
          message: outcome.message,
        });
        return;
      }
      this.#send({
        kind: "responseHead",
        streamId: frame.streamId,
        status: outcome.status,
        statusText: "",
        headers: [["content-type", "text/plain"]],
        body: new Uint8Array(0),
        endStream: false,
      });
      if (outcome.status !== 204 && outcome.status !== 304) {
        this.#send({
          kind: "data",
          streamId: frame.streamId,
          bytes: new TextEncoder().encode("ok"),
        });
      }
      this.#send({ kind: "end", streamId: frame.streamId });
    }
  }
}

/** The client end of a WebSocketPair delivers binary messages as Blobs here. */
async function bytesOf(data: unknown): Promise<Uint8Array> {
  if (data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  return new Uint8Array(data as ArrayBuffer);
}

/** Writes a quick tunnel row, as minting does, and returns its id. */
export async function createTestTunnel(): Promise<string> {
  const id = crypto.randomUUID();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  await createTunnel(env.DB, {
    id,
    accountTag: "test",
    name: `qt-${id.replaceAll("-", "")}`,
    kind: "quick",
    secretHash: await hashSecret(secret),
    createdAt: Date.now(),
  });
  TEST_TUNNEL_SECRETS.set(id, btoa(String.fromCharCode(...secret)));
  return id;
}

/** The secret of each tunnel {@link createTestTunnel} made, as a connector presents it. */
const TEST_TUNNEL_SECRETS = new Map<string, string>();

/**
 * Writes service `id` (default SERVICE_A) with `host` (which names the tunnel) and extra fields
 * straight to D1, as the API Worker does after validating (workers/api/test covers that), then
 * evicts the binding Worker's cached copy through its VpcServiceCache entrypoint.
 */
export async function putService(
  host: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  id = SERVICE_A,
): Promise<void> {
  const config = { type: "http", name: `svc-${id.slice(-2)}`, host, ...extra } as VpcServiceConfig;
  const now = Date.now();
  if (await getVpcService(env.DB, id)) await updateVpcService(env.DB, id, config, now);
  else await createVpcService(env.DB, { id, config, createdAt: now });
  await env.SERVICE_CACHE.forget(id);
}

/** Deletes service `id` and evicts it from the binding Worker's cache. */
export async function removeService(id: string): Promise<void> {
  await deleteVpcService(env.DB, id, Date.now());
  await env.SERVICE_CACHE.forget(id);
}

export { ResetCode };
