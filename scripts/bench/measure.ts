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

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every common arch). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds a process has used so far (user + system, all threads), from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may contain spaces) start at field 3; utime is 14.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Total CPU seconds `pids` spent while `work` ran, and what `work` returned. */
export async function cpuDuring<T>(
  pids: readonly number[],
  work: () => Promise<T>,
): Promise<{ cpuSeconds: number; result: T }> {
  const total = async () => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  const before = await total();
  const result = await work();
  return { cpuSeconds: (await total()) - before, result };
}

/** Child processes of this process whose command line names workerd (Miniflare's runtime). */
export async function workerdPids(): Promise<number[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (cmdline.includes("workerd") && parent === process.pid) pids.push(Number(entry));
  }
  return pids;
}
