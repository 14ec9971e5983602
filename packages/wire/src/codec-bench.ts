/**
 * Throughput figures for the codec, printed by the root `pnpm bench`. Not part of the package's
 * public API (index.ts does not export it) and not run by the tests: timings are not assertions.
 */
import { decodeFrame, encodeFrame } from "./codec";
import type { Frame } from "./frame";

/** Each measurement runs for about this long, after a short warm-up. */
const MEASURE_MS = 1500;
const WARMUP_MS = 200;
const MIB = 1024 * 1024;
/** Matches the connector's body chunk size, the frame that dominates real traffic. */
const DATA_FRAME_BYTES = 64 * 1024;

/**
 * Measures encode and decode throughput: MiB/s of payload for 64 KiB data frames and frames/s for
 * a typical request head with five headers. Takes about 7 seconds.
 */
export async function benchWire(): Promise<Record<string, number>> {
  const payload = new Uint8Array(DATA_FRAME_BYTES);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const data: Frame = { kind: "data", streamId: 7, bytes: payload };
  const head: Frame = {
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
  };
  const encodedData = encodeFrame(data);
  const encodedHead = encodeFrame(head);

  const encodeDataPerSecond = await rate(() => encodeFrame(data));
  const decodeDataPerSecond = await rate(() => decodeFrame(encodedData));
  const encodeHeadPerSecond = await rate(() => encodeFrame(head));
  const decodeHeadPerSecond = await rate(() => decodeFrame(encodedHead));
  return {
    "encode 64 KiB data (MiB/s)": round((encodeDataPerSecond * DATA_FRAME_BYTES) / MIB),
    "decode 64 KiB data (MiB/s)": round((decodeDataPerSecond * DATA_FRAME_BYTES) / MIB),
    "encode requestHead, 5 headers (frames/s)": round(encodeHeadPerSecond),
    "decode requestHead, 5 headers (frames/s)": round(decodeHeadPerSecond),
  };
}

/** Calls `fn` in batches until MEASURE_MS has passed; returns calls per second. */
async function rate(fn: () => unknown): Promise<number> {
  const deadline = (ms: number) => performance.now() + ms;
  let sink: unknown;
  for (const end = deadline(WARMUP_MS); performance.now() < end; ) sink = fn();
  // Yield between measurements so a host event loop (and its GC) is not starved.
  await new Promise((resolve) => setTimeout(resolve, 0));
  let calls = 0;
  const start = performance.now();
  const end = start + MEASURE_MS;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 64; i++) sink = fn();
    calls += 64;
    now = performance.now();
  }
  if (sink === undefined) throw new Error("benchmark result was optimised away");
  return (calls * 1000) / (now - start);
}

function round(value: number): number {
  return Math.round(value);
}
