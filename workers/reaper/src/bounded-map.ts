/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight, keeping order. A Worker
 * may hold six connections open at once (more wait in a queue), and a burst of thousands of
 * Durable Object calls would only pile up behind them.
 */
export async function boundedMap<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
