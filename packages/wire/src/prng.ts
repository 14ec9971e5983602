/** Test helper, not exported from index.ts: reproducible pseudo-random numbers for fuzz cases. */

/** mulberry32: tiny, fast and good enough to make fuzz cases reproducible from one number. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
