/**
 * The bench's one table and its JSON: every figure with its absolute value, the same workload
 * measured without the tunnel (or the codec without its fast path) in the same run, the ratio,
 * and issue 12's target with PASS/MISS where one exists.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { round } from "./measure";

/** A goal for one figure: on its value, or on its ratio against the baseline. */
export interface Target {
  /** `value` compares the absolute figure, `ratio` compares value ÷ baseline. */
  on: "value" | "ratio";
  op: ">=" | "<=";
  limit: number;
}

/** One row of the table and one entry of the JSON. */
export interface Figure {
  key: string;
  label: string;
  unit: string;
  value: number;
  /** The same workload without the tunnel (or without the fast path), in the same run. */
  baseline?: number;
  /** What `baseline` is, for the table's header note ("direct", "capnp-es"). */
  baselineName?: string;
  /** Issue 12's goals for this figure; all must hold for PASS. */
  targets?: Target[];
  /**
   * The same workload through the runtime floor (runtime-floor.ts), in the same run: the least a
   * tunnel on Workers must do. Judged against the same targets with the same baseline.
   */
  floor?: number;
  /**
   * For a target whose limit comes from the tunnel's own figures (the echo's, from its download
   * and upload rates): whether direct meets that limit and the same rule drawn from its own
   * figures. False means the harness misses that bar without any tunnel.
   */
  directMeetsOwnLimit?: boolean;
}

/** What `pnpm bench` writes to `.burrow/bench.json` (or `--json <path>`). */
export interface BenchReport {
  version: 1;
  startedAt: string;
  quick: boolean;
  sections: string[];
  /** The 1-minute load average when the run started and ended: the machine is shared. */
  loadAverage: { start: number; end: number };
  cpus: number;
  figures: Figure[];
}

export function ratioOf(figure: Figure): number | undefined {
  if (figure.baseline === undefined || figure.baseline === 0) return undefined;
  return figure.value / figure.baseline;
}

/** A MISS that direct, held to the same rule in this run, misses too (see `directMeetsOwnLimit`). */
export function directMisses(figure: Figure): boolean {
  return verdict(figure) === "MISS" && figure.directMeetsOwnLimit === false;
}

/** PASS/MISS against the target, or undefined when the figure has none (or cannot be judged). */
export function verdict(figure: Figure): "PASS" | "MISS" | undefined {
  const targets = figure.targets ?? [];
  if (targets.length === 0) return undefined;
  const met = targets.every((target) => {
    const subject = target.on === "ratio" ? ratioOf(figure) : figure.value;
    if (subject === undefined || !Number.isFinite(subject)) return false;
    return target.op === ">=" ? subject >= target.limit : subject <= target.limit;
  });
  return met ? "PASS" : "MISS";
}

/**
 * Whether the runtime floor measured in this run misses the figure's target too: then no tunnel
 * on Workers meets it on this machine, Burrow included.
 */
export function floorMisses(figure: Figure): boolean {
  if (figure.floor === undefined) return false;
  return verdict({ ...figure, value: figure.floor }) === "MISS";
}

export function describeTargets(targets: readonly Target[] | undefined, unit: string): string {
  return (targets ?? [])
    .map((target) => {
      const op = target.op === ">=" ? "≥" : "≤";
      const limit = formatNumber(target.limit);
      return target.on === "ratio" ? `${op} ${limit}×` : `${op} ${limit} ${unit}`;
    })
    .join(" and ");
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return "";
  if (!Number.isFinite(value)) return String(value);
  return round(value).toLocaleString("en-US", { maximumFractionDigits: 3 });
}

/**
 * A plain-text table for the terminal: the header, a rule, then the rows; the first column is
 * left-aligned (labels), the others right-aligned (numbers line up by their last digit).
 */
export function textTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

/** Prints the table: figure, value, baseline, ratio, target, verdict. */
export function printTable(figures: readonly Figure[]): void {
  const rows = figures.map((figure) => {
    const ratio = ratioOf(figure);
    return [
      figure.label,
      `${formatNumber(figure.value)} ${figure.unit}`,
      figure.baseline === undefined
        ? ""
        : `${formatNumber(figure.baseline)} ${figure.unit}${
            figure.baselineName && figure.baselineName !== "direct"
              ? ` (${figure.baselineName})`
              : ""
          }`,
      ratio === undefined ? "" : `${formatNumber(ratio)}×`,
      describeTargets(figure.targets, figure.unit),
      `${verdict(figure) ?? ""}${verdict(figure) === "MISS" && floorMisses(figure) ? "¹" : ""}${
        directMisses(figure) ? "²" : ""
      }`,
      floorCell(figure),
    ];
  });
  const header = ["figure", "measured", "direct / baseline", "ratio", "target", "", "floor"];
  for (const line of textTable(header, rows)) console.log(line);
  const judged = figures.filter((figure) => verdict(figure) !== undefined);
  const passed = judged.filter((figure) => verdict(figure) === "PASS").length;
  const beyondFloor = judged.filter((f) => verdict(f) === "MISS" && floorMisses(f)).length;
  console.log(`\n${passed} of ${judged.length} targets met (issue 12).`);
  if (figures.some((figure) => figure.floor !== undefined)) {
    console.log(
      "floor: the same load, this run, through the least any tunnel on Workers must do\n" +
        "  (Worker → Durable Object → WebSocket → connector → origin; no Burrow code: runtime-floor.ts).\n" +
        `¹ ${beyondFloor} of the misses: the floor misses that target too, so no Workers tunnel meets it here.`,
    );
  }
  const directToo = judged.filter(directMisses).length;
  if (directToo > 0) {
    console.log(
      `² ${directToo} of the misses: direct misses that target too (the echo: direct's own echo is slower than\n` +
        "  the tunnel's limit, or than the limit drawn from direct's own download and upload): the bar is below\n" +
        "  what this harness measures with no tunnel at all.",
    );
  }
}

/** The floor's value and its ratio to the baseline, when the figure has one. */
function floorCell(figure: Figure): string {
  if (figure.floor === undefined) return "";
  const ratio = ratioOf({ ...figure, value: figure.floor });
  return `${formatNumber(figure.floor)} ${figure.unit}${ratio === undefined ? "" : ` (${formatNumber(ratio)}×)`}`;
}

export async function writeReport(file: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

export function loadAverage(): number {
  return round(os.loadavg()[0] ?? Number.NaN);
}
