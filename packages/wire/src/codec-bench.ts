/**
 * Throughput figures for the codec, printed by the root `pnpm bench`. Not part of the package's
 * public API (index.ts does not export it) and not run by the tests: timings are not assertions.
 * Each frame is measured through `encodeFrame`/`decodeFrame` (hot path where it applies) and
 * through capnp-es's generated code alone, interleaved, so the two see the same machine load.
 */
import { decodeFrame, decodeFrameWithCapnp, encodeFrame, encodeFrameWithCapnp } from "./codec";
import type { Frame } from "./frame";

const MIB = 1024 * 1024;
/** Matches the connector's body chunk size, the frame that dominates bulk traffic. */
const DATA_FRAME_BYTES = 64 * 1024;

/** One codec figure: the shipped codec next to capnp-es alone. */
export interface WireFigure {
  label: string;
  unit: "frames/s" | "MiB/s";
  codec: number;
  capnpEs: number;
}

/**
 * Encode and decode rates for the frames a small GET and a bulk transfer send. Full: ~400 ms per
 * measurement (about 20 s); quick: ~80 ms.
 */
export async function benchWire(options: { quick?: boolean } = {}): Promise<WireFigure[]> {
  const measureMs = options.quick ? 80 : 400;
  const payload = new Uint8Array(DATA_FRAME_BYTES);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const frames: Array<[string, Frame]> = [
    ["data 64 KiB", { kind: "data", streamId: 7, bytes: payload }],
    ["data 2 B", { kind: "data", streamId: 7, bytes: new Uint8Array([0x6f, 0x6b]) }],
    ["windowUpdate", { kind: "windowUpdate", streamId: 7, bytes: 65_536 }],
    ["end", { kind: "end", streamId: 7 }],
    [
      "requestHead, 5 headers",
      {
        kind: "requestHead",
        streamId: 8,
        method: "GET",
        url: "https://app.example.com/api/items?page=2",
        headers: [
          ["accept", "application/json"],
          ["accept-encoding", "gzip, br"],
          ["user-agent", "Mozilla/5.0 (X11; Linux x86_64)"],
          ["cookie", "session=3f9a1c; theme=dark"],
          ["x-request-id", "0d6c2b8e-5f1e-4c7a-9b1d-2e3f4a5b6c7d"],
        ],
        websocket: false,
        hasBody: false,
        target: null,
      },
    ],
    [
      "responseHead + 2 B body",
      {
        kind: "responseHead",
        streamId: 8,
        status: 200,
        statusText: "OK",
        headers: [
          ["content-type", "text/plain"],
          ["content-length", "2"],
          ["date", "Tue, 02 Dec 2025 11:00:00 GMT"],
        ],
        body: new Uint8Array([0x6f, 0x6b]),
        endStream: true,
      },
    ],
  ];
  const figures: WireFigure[] = [];
  for (const [name, frame] of frames) {
    const encoded = encodeFrame(frame);
    const bulk = frame.kind === "data" && frame.bytes.byteLength === DATA_FRAME_BYTES;
    const toFigure = (op: string, codec: number, capnpEs: number): WireFigure =>
      bulk
        ? {
            label: `${op} ${name}`,
            unit: "MiB/s",
            codec: (codec * DATA_FRAME_BYTES) / MIB,
            capnpEs: (capnpEs * DATA_FRAME_BYTES) / MIB,
          }
        : { label: `${op} ${name}`, unit: "frames/s", codec, capnpEs };
    const [encodeFast, encodeCapnp] = await rates(
      measureMs,
      () => encodeFrame(frame),
      () => encodeFrameWithCapnp(frame),
    );
    figures.push(toFigure("encode", encodeFast, encodeCapnp));
    const [decodeFast, decodeCapnp] = await rates(
      measureMs,
      () => decodeFrame(encoded),
      () => decodeFrameWithCapnp(encoded),
    );
    figures.push(toFigure("decode", decodeFast, decodeCapnp));
  }
  return figures;
}

/** Calls per second of `a` and `b`, alternating short slices of each so both see the same load. */
async function rates(
  measureMs: number,
  a: () => unknown,
  b: () => unknown,
): Promise<[number, number]> {
  const slices = 4;
  let [callsA, msA, callsB, msB] = [0, 0, 0, 0];
  rate(a, measureMs / 4); // warm-up: let the JIT settle before anything counts
  rate(b, measureMs / 4);
  for (let i = 0; i < slices; i++) {
    const ra = rate(a, measureMs / slices);
    const rb = rate(b, measureMs / slices);
    callsA += ra.calls;
    msA += ra.ms;
    callsB += rb.calls;
    msB += rb.ms;
    // Yield between slices so a host event loop (and its GC) is not starved.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return [(callsA * 1000) / msA, (callsB * 1000) / msB];
}

function rate(fn: () => unknown, forMs: number): { calls: number; ms: number } {
  let sink: unknown;
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < forMs) {
    for (let i = 0; i < 16; i++) sink = fn();
    calls += 16;
    now = performance.now();
  }
  if (sink === undefined) throw new Error("benchmark result was optimised away");
  return { calls, ms: now - start };
}
