/**
 * D1 rejects a statement that binds more than 100 parameters ("too many SQL variables"); every
 * query that takes a caller-sized list of ids splits it with `chunk` to stay under this.
 */
export const MAX_BOUND_PARAMETERS = 100;

/** Splits `items` into consecutive slices of at most `size` items (the last may be shorter). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  }
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** Numbered SQLite placeholders `?first, …` for `count` values, e.g. for an `IN (…)` list. */
export function placeholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, index) => `?${first + index}`).join(", ");
}
