import http from "node:http";
import WebSocket from "ws";

/**
 * Where a benchmark sends requests: straight to the origin, or to the local edge's port with a
 * tunnel hostname in Host (Node does not resolve `*.localhost`, curl and browsers do).
 */
export class HttpTarget {
  readonly name: string;
  readonly #port: number;
  readonly #host: string;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 2_000 });

  constructor(name: string, port: number, host: string) {
    this.name = name;
    this.#port = port;
    this.#host = host;
  }

  /** GETs `path` (with extra `headers`) and drains the body; returns the byte count. */
  get(path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = http.get(
        {
          host: "127.0.0.1",
          port: this.#port,
          path,
          agent: this.#agent,
          headers: { ...headers, host: this.#host },
        },
        (response) => {
          let bytes = 0;
          response.on("data", (chunk: Buffer) => {
            bytes += chunk.byteLength;
          });
          response.on("end", () =>
            response.statusCode === 200
              ? resolve(bytes)
              : reject(new Error(`HTTP ${response.statusCode}`)),
          );
          response.on("error", reject);
        },
      );
      request.on("error", reject);
    });
  }

  /** POSTs `totalBytes` generated on the fly (never buffered whole) and returns the answer. */
  upload(path: string, totalBytes: number): Promise<string> {
    const block = new Uint8Array(256 * 1024).fill(0x62);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: "127.0.0.1",
          port: this.#port,
          path,
          method: "POST",
          agent: this.#agent,
          headers: { host: this.#host, "content-length": String(totalBytes) },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () =>
            response.statusCode === 200
              ? resolve(text)
              : reject(new Error(`HTTP ${response.statusCode}`)),
          );
        },
      );
      request.on("error", reject);
      let remaining = totalBytes;
      const pump = () => {
        while (remaining > 0) {
          const piece = block.subarray(0, Math.min(block.byteLength, remaining));
          remaining -= piece.byteLength;
          if (!request.write(piece)) return void request.once("drain", pump);
        }
        request.end();
      };
      pump();
    });
  }

  /** Opens a WebSocket and measures `count` echo round trips of a small message, in ms. */
  async webSocketRoundTrips(count: number): Promise<number[]> {
    const socket = new WebSocket(`ws://127.0.0.1:${this.#port}/`, {
      headers: { host: this.#host },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      socket.send(`ping ${i}`);
      await new Promise<void>((resolve) => socket.once("message", () => resolve()));
      samples.push(performance.now() - t0);
    }
    socket.close();
    return samples.sort((a, b) => a - b);
  }

  close(): void {
    this.#agent.destroy();
  }
}
