import { readFileSync } from "node:fs";

/**
 * glibc's malloc settings for a connector process, passed in `GLIBC_TUNABLES` by every launcher
 * Burrow writes: `pnpm start` (scripts/dev.ts), the systemd unit of `burrow service install`,
 * and the bench. glibc reads them once, before `main`, so a running process cannot set them for
 * itself (Node 20 has neither `mallopt` nor `execve`); `burrow` started by hand goes without
 * unless the environment has them (packages/connector/README.md).
 *
 * Why: Node allocates a fresh buffer for every 64 KiB socket read, node:http copies each body
 * chunk into another, and ws joins each 512 KiB message into a third. V8 frees them in batches,
 * and glibc's defaults then hand the memory back to the kernel: the top of the heap is trimmed
 * past 128 KiB, and after a large block is freed the thresholds move by themselves. The next
 * allocations fault fresh zeroed pages in again, 50–155 page faults per MiB moved (perf: page
 * faults and their zeroing 11 % of the connector's upload CPU, the kernel's share of its CPU
 * 1.1–2.5 ms per MiB). Keeping up to 32 MiB at the top of the heap, and serving blocks up to
 * 1 MiB from the heap instead of mmap, ends that: 0–14 faults per MiB and connector CPU per MiB
 * down from 2.3–4.4 to 1.4–1.9 ms (session 7, scripts/bench/README.md). The cost is memory glibc
 * keeps instead of returning: connector RSS at c=100 +2–3 MiB.
 *
 * Setting any of these also turns off glibc's moving thresholds (`mp_.no_dyn_threshold`), which
 * is what keeps the layout stable. musl and other C libraries ignore the variable.
 */
export const CONNECTOR_MALLOC_TUNABLES: Readonly<Record<string, number>> = {
  "glibc.malloc.trim_threshold": 32 * 1024 * 1024,
  "glibc.malloc.mmap_threshold": 1024 * 1024,
};

/**
 * `env` with {@link CONNECTOR_MALLOC_TUNABLES} in `GLIBC_TUNABLES`. Tunables the environment
 * already sets stay as they are (the user's value wins), and unrelated ones are kept.
 */
export function withMallocTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GLIBC_TUNABLES: mallocTunables(env.GLIBC_TUNABLES) };
}

/** The `GLIBC_TUNABLES` value: `existing` (colon-separated name=value) plus ours it lacks. */
export function mallocTunables(existing: string | undefined): string {
  const entries = (existing ?? "").split(":").filter((entry) => entry.includes("="));
  const named = new Set(entries.map((entry) => entry.slice(0, entry.indexOf("="))));
  for (const [name, value] of Object.entries(CONNECTOR_MALLOC_TUNABLES)) {
    if (!named.has(name)) entries.push(`${name}=${value}`);
  }
  return entries.join(":");
}

/**
 * The line a connector logs once when it serves on glibc without {@link CONNECTOR_MALLOC_TUNABLES}
 * (a `burrow` started by hand), or null. cloudflared's QUIC library does the same for a kernel
 * setting that costs it throughput ("failed to sufficiently increase receive buffer size … See
 * <wiki>"): the process cannot change it for itself, so it says what to set.
 */
export function mallocTunablesHint(env: NodeJS.ProcessEnv, onGlibc: boolean): string | null {
  if (!onGlibc) return null;
  const named = new Set((env.GLIBC_TUNABLES ?? "").split(":").map((entry) => entry.split("=")[0]));
  if (Object.keys(CONNECTOR_MALLOC_TUNABLES).every((name) => named.has(name))) return null;
  return (
    `glibc's malloc defaults cost this connector about twice the CPU per MiB it moves; ` +
    `start it with GLIBC_TUNABLES=${mallocTunables(env.GLIBC_TUNABLES)} ` +
    "(burrow service install puts it in the unit)"
  );
}

/** Whether this process runs on glibc: its memory map has glibc's libc.so.6 (musl's is ld-musl). */
export function runsOnGlibc(): boolean {
  if (process.platform !== "linux") return false;
  try {
    return /\/libc\.so\.6$/m.test(readFileSync("/proc/self/maps", "utf8"));
  } catch {
    return false;
  }
}
