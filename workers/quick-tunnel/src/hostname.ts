import { WORDS } from "./words";

/**
 * A trycloudflare-style hostname: four random words joined by "-" under `zone`. With 4,096 words
 * that is 2^48 names, so collisions are rare and simply retried by the caller.
 */
export function randomHostname(zone: string): string {
  const picks = crypto.getRandomValues(new Uint32Array(4));
  const words = Array.from(picks, (n) => WORDS[n % WORDS.length]);
  return `${words.join("-")}.${zone}`;
}
