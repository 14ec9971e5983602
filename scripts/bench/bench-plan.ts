/**
 * What `pnpm bench` measures each tunnel path at (sizes and durations, full and --quick), issue 12's
 * targets, and the path under test: shared by the small-GET figures (path-figures.ts) and the body
 * figures (body-figures.ts).
 */
import type { HttpTarget } from "./http-target";
import { percentile } from "./measure";
import type { RuntimeFloor } from "./runtime-floor";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Sizes and durations; --quick keeps the same figures at a fraction of the cost. */
export interface Plan {
  wrkSeconds: number;
  /** Alternating direct/tunnel rounds per small-GET figure; results are summed over rounds. */
  rounds: number;
  concurrencies: number[];
  downloadBytes: number;
  uploadBytes: number;
  echoBytes: number;
  /** Repeats of each body transfer; the median is reported. */
  transfers: number;
  /**
   * One transfer of this size each way, after the timed ones: RSS growth while it moves, and the
   * judged CPU per GiB (a warm tunnel moving one GiB).
   */
  growthBytes: number;
  webSocketRoundTrips: number;
  extras: boolean;
}

export const FULL: Plan = {
  wrkSeconds: 5,
  rounds: 2,
  concurrencies: [1, 10, 100],
  downloadBytes: 100 * MiB,
  uploadBytes: 50 * MiB,
  echoBytes: 10 * MiB,
  transfers: 3,
  growthBytes: GiB,
  webSocketRoundTrips: 300,
  extras: true,
};

export const QUICK: Plan = {
  wrkSeconds: 2,
  rounds: 1,
  concurrencies: [1, 100],
  downloadBytes: 20 * MiB,
  uploadBytes: 10 * MiB,
  echoBytes: 2 * MiB,
  transfers: 1,
  growthBytes: 32 * MiB,
  webSocketRoundTrips: 100,
  extras: false,
};

/** Issue 12's bars: localtunnel's ratios on this machine class, and absolute CPU/memory caps. */
export const TARGETS = {
  getC1Ratio: 0.11,
  getC100Ratio: 0.08,
  downloadRatio: 0.09,
  downloadMiBps: 300,
  uploadRatio: 0.09,
  uploadMiBps: 65,
  webSocketRatio: 1.5,
  cpuMsPerRequest: 0.75,
  cpuSecondsPerGiB: 2,
  connectorRssMiB: 80,
  /** "Neither process grows with body size": the window is 1 MiB per stream; GC adds noise. */
  rssGrowthMiB: 32,
} as const;

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Where measurePath (path-figures.ts) sends its load: direct, and one tunnel path with its processes. */
export interface TunnelPath {
  /** Prefixes every figure's key (`""` for the quick tunnel, `named_run.named4.` …). */
  keyPrefix: string;
  /** Prefixes every figure's label, e.g. `named tunnel, 4 conns: `. */
  labelPrefix: string;
  direct: { port: number; host: string };
  tunnel: { port: number; host: string };
  directHttp: HttpTarget;
  tunnelHttp: HttpTarget;
  workerdPids: number[];
  connectorPid: number;
  /** Which connector runs (the built bundle or the source under tsx), for the RSS rows. */
  connectorLabel: string;
  /** A folder for the upload and echo files. */
  scratch: string;
  /**
   * The runtime floor (runtime-floor.ts), measured beside the tunnel: small GETs at c=1, the
   * WebSocket round trip, and (as a sum of its parts, floorCpuPerGiB) CPU per GiB.
   */
  floor?: { port: number; host: string; http: HttpTarget; runtime: RuntimeFloor };
}
