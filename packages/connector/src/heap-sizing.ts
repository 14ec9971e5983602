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

/** `--heap-growing-percent` while bodies move (see {@link BodyHeapGrowth}), and after. */
export const HEAP_GROWING_PERCENT = { bodiesMoving: 150, serving: 100 } as const;

/**
 * Bodies are moving while BodyGarbage's line (BODY_BYTES_PER_YOUNG_GC) is crossed again within
 * this long, 4 MiB/s and up: a transfer, not small requests (their frames come to ≈ 1–1.5 MiB/s at
 * c=100, a crossing every few seconds).
 * Once it has not been crossed for this long, the old generation's growth goes back to `serving`.
 */
export const BODIES_QUIET_MS = 1000;

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

/**
 * Lets the old generation grow to 2.5× what was live after a full GC, instead of 2×, while bodies
 * move (see {@link BODIES_QUIET_MS}), and puts it back once they have stopped.
 *
 * V8 sets the next full GC's trigger after each one from what was live then, ArrayBuffers
 * included. Small requests leave ≈ 8 MiB live and few buffers, so under 2× the trigger lands near
 * 16 MiB; a large body then keeps up to a window in flight plus up to BODY_BYTES_PER_YOUNG_GC of
 * buffers awaiting their young GC, over the trigger again and again: a 256 MiB download right
 * after 10 s of small GETs at c=100 ran 10–19 full GCs, each freeing nothing (8.2 → 7.9 MB),
 * against 0 before the GETs (`--trace-gc-nvp`), and perf put GC at 43 % of the connector's
 * samples; a named tunnel's 1 GiB download in `pnpm bench` cost the connector 2.4 s against 1.15
 * for a quick tunnel. With 2.5× the same download runs one full GC. Kept at 2.5× all the time it
 * would cost small requests their RSS (79–81 MiB at c=100 against 76, over issue 12's 80), which
 * is what 2× is for. V8 reads the factor at each full GC, so switching it costs nothing between.
 */
export class BodyHeapGrowth {
  readonly #apply: (percent: number) => void;
  readonly #quietMs: number;
  #moving = false;
  #lastCrossingAt = Number.NEGATIVE_INFINITY;
  #crossedSinceCheck = false;

  constructor(apply: (percent: number) => void, quietMs = BODIES_QUIET_MS) {
    this.#apply = apply;
    this.#quietMs = quietMs;
  }

  /** BodyGarbage's line was crossed at `now` (ms): two crossings close together mean a transfer. */
  crossed(now = performance.now()): void {
    const soon = now - this.#lastCrossingAt <= this.#quietMs;
    this.#lastCrossingAt = now;
    this.#crossedSinceCheck = true;
    if (this.#moving || !soon) return;
    this.#moving = true;
    this.#apply(HEAP_GROWING_PERCENT.bodiesMoving);
    const check = setInterval(() => {
      if (this.#crossedSinceCheck) {
        this.#crossedSinceCheck = false;
        return;
      }
      clearInterval(check);
      this.#moving = false;
      this.#apply(HEAP_GROWING_PERCENT.serving);
    }, this.#quietMs);
    check.unref();
  }
}

/** The process's switch: it changes the flag only once the serving flags are in place. */
export const bodyHeapGrowth = new BodyHeapGrowth((percent) => {
  if (sized) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
});
