/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"): a
 * uniformly random delay in [0, min(cap, base·2^attempt)), so many connectors that lost the edge
 * at once do not come back in lockstep.
 */
export function fullJitterDelayMs(
  attempt: number,
  { baseMs = 500, capMs = 30_000 }: { baseMs?: number; capMs?: number } = {},
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
