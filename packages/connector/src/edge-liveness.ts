import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_PING } from "@burrow/wire";

/** An edge without text heartbeats gets a binary ping this often; two silent ones mean it is dead. */
const PING_INTERVAL_MS = 15_000;
/*
 * The text heartbeat (HEARTBEAT_PING every HEARTBEAT_INTERVAL_MS, @burrow/wire's handshake) is
 * answered by the Durable Object runtime without waking the object, so it is cheap enough to send
 * every 2 s, which lets the edge tell a frozen connector within ~5 s (HEARTBEAT_STALE_MS).
 */
/** No pong for this long means the edge is gone (the runtime answers even a busy object). */
const HEARTBEAT_TIMEOUT_MS = 30_000;

/** What the liveness check needs from its connection. */
export interface LivenessLink {
  /** Sends the text heartbeat, when the socket is open. */
  sendHeartbeat(text: string): void;
  /** Sends a binary `ping` frame (edges without text heartbeats). */
  sendPing(nonce: bigint): void;
  /** The edge is gone: drop the socket so the connection reconnects. */
  terminate(reason: string): void;
}

/**
 * Tells whether the edge still answers on one connection: text heartbeats where the edge announced
 * them (`heartbeat`), binary pings otherwise. A connection whose edge went quiet is terminated,
 * which makes it reconnect.
 */
export class EdgeLiveness {
  readonly #link: LivenessLink;
  #timer: NodeJS.Timeout | null = null;
  #awaitingPong = 0;
  #lastPongAt = 0;

  constructor(link: LivenessLink) {
    this.#link = link;
  }

  /** Starts checking, with text heartbeats when the edge announced them. */
  start(textHeartbeats: boolean): void {
    this.stop();
    if (textHeartbeats) {
      this.#lastPongAt = Date.now();
      const beat = () => {
        if (Date.now() - this.#lastPongAt > HEARTBEAT_TIMEOUT_MS) {
          this.#link.terminate("the edge stopped answering heartbeats");
          return;
        }
        this.#link.sendHeartbeat(HEARTBEAT_PING);
      };
      beat();
      this.#timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
    } else {
      this.#timer = setInterval(() => {
        if (this.#awaitingPong >= 2) {
          this.#link.terminate("the edge stopped answering pings");
          return;
        }
        this.#awaitingPong++;
        this.#link.sendPing(BigInt(Date.now()));
      }, PING_INTERVAL_MS);
    }
    this.#timer.unref();
  }

  /** The edge answered a text heartbeat. */
  heartbeatAnswered(): void {
    this.#lastPongAt = Date.now();
  }

  /** The edge answered a binary ping. */
  pongReceived(): void {
    this.#awaitingPong = 0;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
