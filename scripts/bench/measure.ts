/** Latency samples → percentiles, and small helpers for bounded benchmark loops. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length));
  return sortedMs[index]!;
}

/** Runs `task` `count` times with `concurrency` workers, stopping early after `maxMs`. */
export async function runLoad(
  count: number,
  concurrency: number,
  maxMs: number,
  task: () => Promise<void>,
): Promise<{ latenciesMs: number[]; wallMs: number; completed: number }> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  let issued = 0;
  const worker = async () => {
    while (issued < count && performance.now() - started < maxMs) {
      issued++;
      const t0 = performance.now();
      await task();
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latenciesMs.sort((a, b) => a - b);
  return { latenciesMs, wallMs: performance.now() - started, completed: latenciesMs.length };
}

/** Peak resident set size of a process in MiB, from Linux's VmHWM. */
export async function peakRssMiB(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Rounds for printing: three significant digits. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Number(value.toPrecision(3));
}

/** Current resident set size of a process in MiB, from Linux's VmRSS. */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * Samples a process's RSS every 100 ms while `work` runs and returns how far it rose above the
 * level it had when the work started, in MiB: what the work held in memory at its peak.
 */
export async function rssGrowthDuring(pid: number, work: () => Promise<unknown>): Promise<number> {
  const baseline = await rssMiB(pid);
  let peak = baseline;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rssMiB(pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  return peak - baseline;
}
