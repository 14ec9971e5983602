import v8 from "node:v8";

/**
 * V8 flags that keep a serving connector's heap near what it holds live, set once when it starts
 * serving. Both are read by V8 each time it sizes a space, so they take effect after start-up,
 * unlike `--max-semi-space-size` and `--max-old-space-size`, which a process started as
 * `node burrow.mjs` cannot be given and which `v8.setFlagsFromString` sets too late (measured).
 *
 * - `--semi-space-growth-factor=1`: the young generation keeps its first size (2 MiB) instead of
 *   doubling to 32 MiB once enough survives its scavenges, which 100 requests in flight always do.
 * - `--heap-growing-percent=100`: after each full GC the old generation may grow to twice what
 *   was live before the next one, instead of V8's factor of up to 4 picked from GC speed, under
 *   which garbage promoted from requests in flight piled up to 15–31 MiB over ≈ 9 MiB live.
 *
 * Built bundles, the bench's load sequence (wrk c=1 and c=10, then c=100; a/b/b/a, load 4–6):
 * peak RSS at c=100 105–118 MiB unset, 90 with the first flag alone, 73–75 with both (83 with
 * 200 %, 72 with 10 %); connector CPU per small request and per body MiB no higher (within the
 * noise). Bodies' buffers are freed by young GCs apart from this (body-garbage.ts): 0 full GCs in
 * 192 MiB up or down, 0–3 in 4 × 64 MiB at once, as unset. From source, tsx keeps the heap several
 * times larger and V8 then marks it every ~30 MiB of body: a cost of `pnpm burrow` only.
 */
export const SERVING_HEAP_FLAGS = ["--semi-space-growth-factor=1", "--heap-growing-percent=100"];

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
