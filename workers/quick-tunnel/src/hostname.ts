import { WORDS } from "./words";

/** Random 32-bit values at or above this would pick the first words slightly more often. */
const UNBIASED_LIMIT = 2 ** 32 - (2 ** 32 % WORDS.length);

/**
 * A trycloudflare-style hostname: four random words joined by "-" under `zone`. With the 2,758
 * words of src/words.ts that is 2^45.7 names, so collisions are rare and retried by the caller.
 */
export function randomHostname(zone: string): string {
  const words: string[] = [];
  while (words.length < 4) {
    const [pick = 0] = crypto.getRandomValues(new Uint32Array(1));
    if (pick < UNBIASED_LIMIT) words.push(WORDS[pick % WORDS.length] ?? "");
  }
  return `${words.join("-")}.${zone}`;
}
