import v8 from "node:v8";

/**
 * V8 flags that keep a serving connector's heap near what it holds live, set once when it starts
 * serving. Both are read by V8 each time it sizes a space, so they take effect after start-up,
 * unlike `--max-semi-space-size` and `--max-old-space-size`, which a process started as
 * `node burrow.mjs` cannot be given and which `v8.setFlagsFromString` sets too late (measured).
 *
 * - `--semi-space-growth-factor=1`: the young generation keeps its first size (2 MiB) instead of
 *   doubling to 32 MiB once enough survives its scavenges, which 100 requests in flight always do.
 * - `--heap-growing-percent=10`: after each full GC the old generation may grow 10 % past what
 *   was live before the next one, instead of V8's factor of 1.1–4 picked from GC speed, under
 *   which promoted garbage from requests in flight piled up to 15–31 MiB over ≈ 9 MiB live.
 *
 * Built connector, the bench's load sequence (wrk c=1 and c=10, then c=100; a/b/b/a, load ≈ 5):
 * peak RSS at c=100 108–118 → 72 MiB; connector CPU per small request 127–144 → 139–140 µs, per
 * MiB downloaded 4.3–4.5 → 4.0–5.1 ms, uploaded 3.7–4.0 → 2.5–2.8 ms (scripts/bench/README.md,
 * "Session 6"). Bodies' buffers are freed by young GCs apart from this (body-garbage.ts).
 */
export const SERVING_HEAP_FLAGS = ["--semi-space-growth-factor=1", "--heap-growing-percent=10"];

let sized = false;

/** Applies {@link SERVING_HEAP_FLAGS} once per process; false where the runtime refuses them. */
export function sizeHeapForServing(): boolean {
  if (sized) return true;
  try {
    for (const flag of SERVING_HEAP_FLAGS) v8.setFlagsFromString(flag);
    sized = true;
  } catch {
    // A runtime that freezes its flags after start-up throws; the connector serves as before.
  }
  return sized;
}
