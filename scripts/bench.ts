/**
 * `pnpm bench`: figures, not assertions. Every tunnel figure is measured next to the same workload
 * sent straight to the origin in the same run, and printed with the ratio, issue 12's target and
 * PASS/MISS. Prints one table and writes JSON (.burrow/bench.json, or --json <path>); compare two
 * runs with `pnpm bench:compare a.json b.json`.
 *
 *   pnpm bench                      every section, full sizes (a few minutes)
 *   pnpm bench -- --quick           the same table at small sizes and durations (under a minute)
 *   pnpm bench -- tunnel wire       only the named sections
 */
import path from "node:path";
import { REPO_ROOT } from "@burrow/local-edge";
import { benchWire } from "../packages/wire/src/codec-bench";
import { benchNamedApi } from "../workers/api/bench/named-api-bench";
import { benchVpc } from "../workers/binding/bench/vpc-bench";
import { benchReaper } from "../workers/reaper/bench/reap-bench";
import { benchNamedRun } from "./bench/named-run-bench";
import {
  type BenchReport,
  type Figure,
  loadAverage,
  printTable,
  writeReport,
} from "./bench/report";
import { benchTunnel } from "./bench/tunnel-bench";

interface Options {
  quick: boolean;
  json: string;
  sections: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    quick: false,
    json: path.join(REPO_ROOT, ".burrow/bench.json"),
    sections: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") continue;
    if (arg === "--quick") options.quick = true;
    else if (arg === "--json") options.json = path.resolve(argv[++i] ?? "");
    else if (arg.startsWith("--json=")) options.json = path.resolve(arg.slice("--json=".length));
    else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else options.sections.push(arg);
  }
  return options;
}

/** Flat `{ name: number }` figures from sections that predate the table (reaper, vpc). */
function plainFigures(section: string, values: Record<string, number>): Figure[] {
  return Object.entries(values).map(([key, value]) => ({
    key: `${section}.${key}`,
    label: `${section} ${key}`,
    unit: "",
    value,
  }));
}

/**
 * The VPC section's figures, the warm call judged against a direct fetch from the same Worker in
 * the same run (issue 12: warm-cache calls at most 1.5× direct).
 */
function vpcFigures(values: Record<string, number>): Figure[] {
  const { warm_p50_ms: warm, direct_p50_ms: direct, floor_p50_ms: floor, ...rest } = values;
  const judged: Figure[] = [];
  if (warm !== undefined) {
    judged.push({
      key: "vpc.warm_p50_ms",
      label: "VPC service call, warm DNS cache, p50",
      unit: "ms",
      value: warm,
      baseline: direct,
      baselineName: "direct",
      targets: [{ on: "ratio", op: "<=", limit: 1.5 }],
      // The same call through the runtime floor by a service binding (floor-worker.ts).
      floor,
    });
  }
  return [...judged, ...plainFigures("vpc", rest)];
}

async function wireFigures(quick: boolean): Promise<Figure[]> {
  return (await benchWire({ quick })).map((figure) => ({
    key: `wire.${figure.label.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}`,
    label: `wire ${figure.label}`,
    unit: figure.unit,
    value: figure.codec,
    baseline: figure.capnpEs,
    baselineName: "capnp-es",
  }));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // Imported statically: a bench module that no longer loads fails the whole run.
  const sections: Record<string, (quick: boolean) => Promise<Figure[]>> = {
    wire: wireFigures,
    tunnel: (quick) => benchTunnel({ quick }),
    reaper: async (quick) => plainFigures("reaper", await benchReaper({ quick })),
    vpc: async (quick) => vpcFigures(await benchVpc({ quick })),
    "named-api": async (quick) => plainFigures("named-api", await benchNamedApi({ quick })),
    "named-run": (quick) => benchNamedRun({ quick }),
  };
  for (const name of options.sections) {
    if (!(name in sections))
      throw new Error(`unknown section ${name}; known: ${Object.keys(sections)}`);
  }
  const chosen = Object.keys(sections).filter(
    (name) => options.sections.length === 0 || options.sections.includes(name),
  );
  const report: BenchReport = {
    version: 1,
    startedAt: new Date().toISOString(),
    quick: options.quick,
    sections: chosen,
    loadAverage: { start: loadAverage(), end: Number.NaN },
    cpus: (await import("node:os")).cpus().length,
    figures: [],
  };
  for (const name of chosen) {
    const started = performance.now();
    report.figures.push(...(await sections[name]!(options.quick)));
    console.error(`bench: ${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  report.loadAverage.end = loadAverage();
  printTable(report.figures);
  console.log(
    `load average ${report.loadAverage.start} → ${report.loadAverage.end} on ${report.cpus} CPUs` +
      `${options.quick ? "; --quick sizes" : ""}; JSON in ${path.relative(process.cwd(), options.json)}`,
  );
  await writeReport(options.json, report);
}

await main();
process.exit(0);
