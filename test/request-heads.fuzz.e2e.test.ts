import { describe, expect, it } from "vitest";
import { rawExchange } from "./harness/raw-http";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

/** xorshift32: the same seed gives the same requests, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

const SEED = 0x8badf00d;
const REQUESTS = 300;
const CONCURRENCY = 10;
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** Bytes that are not token characters (no CR, LF or colon, which would change the head's lines). */
const NON_TOKEN = '()<>@,;\\"/[]?={} \t\x01\x7f\x80\xc3\xe9\xff';

/**
 * Issue 8's fuzz suite: random header names, values (every byte but CR and LF) and subprotocol
 * lists, written on raw sockets through the real edge to a real connector. Every request must get
 * an HTTP answer, and the connector must still be running and serving afterwards.
 */
describe("fuzzed request heads", () => {
  const stack = useTunnelStack({ connector: true });

  it(`answers ${REQUESTS} random heads and leaves the connector serving`, async () => {
    const random = prng(SEED);
    const pick = (chars: string) => chars[Math.floor(random() * chars.length)]!;
    const text = (length: number, chars: () => string) => Array.from({ length }, chars).join("");
    const name = () =>
      text(1 + Math.floor(random() * 12), () => (random() < 0.9 ? pick(TCHARS) : pick(NON_TOKEN)));
    const value = () =>
      text(Math.floor(random() * 24), () => {
        const byte = Math.floor(random() * 256);
        return byte === 0x0a || byte === 0x0d ? "x" : String.fromCharCode(byte);
      });
    const protocols = () =>
      Array.from({ length: Math.floor(random() * 4) }, () =>
        random() < 0.3 ? value() : name(),
      ).join(random() < 0.5 ? ", " : ",");

    const host = `${stack.connector.hostname}:${stack.edge.port}`;
    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const lines = [`GET /echo-headers?i=${i} HTTP/1.1`, `host: ${host}`];
      for (let h = Math.floor(random() * 4); h > 0; h--) lines.push(`${name()}: ${value()}`);
      if (random() < 0.3) {
        lines.push(
          "upgrade: websocket",
          "connection: upgrade",
          "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version: 13",
          `sec-websocket-protocol: ${protocols()}`,
        );
      } else {
        lines.push("connection: close");
      }
      return `${lines.join("\r\n")}\r\n\r\n`;
    });

    const statuses: number[] = [];
    for (let start = 0; start < requests.length; start += CONCURRENCY) {
      const batch = requests.slice(start, start + CONCURRENCY);
      // rawExchange rejects after 20 s without an answer: a hang fails the test.
      const answers = await Promise.all(
        batch.map((request) => rawExchange(stack.edge.port, request)),
      );
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses.every((status) => status >= 100)).toBe(true);
    // The fuzz is not all refusals: plenty of heads are valid and reach the origin.
    expect(statuses.filter((status) => status === 200 || status === 101).length).toBeGreaterThan(0);

    expect(stack.connector.process.exitCode).toBeNull();
    expect(stack.connector.logs()).not.toMatch(/uncaught|ERR_INVALID_CHAR|SyntaxError/i);
    const normal = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
    });
    expect(normal.status).toBe(200);
  });
});
