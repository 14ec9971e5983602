/**
 * `pnpm bench:compare a.json b.json`: two `pnpm bench` runs side by side, each figure with its
 * change from a to b in %, and each ratio against direct (what a busy machine distorts least).
 */
import { readFile } from "node:fs/promises";
import { round } from "./bench/measure";
import { type BenchReport, type Figure, ratioOf, textTable, verdict } from "./bench/report";

async function load(file: string): Promise<BenchReport> {
  const report = JSON.parse(await readFile(file, "utf8")) as BenchReport;
  if (report.version !== 1 || !Array.isArray(report.figures)) {
    throw new Error(`${file} is not a pnpm bench report (version 1)`);
  }
  return report;
}

function show(value: number | undefined, unit = ""): string {
  if (value === undefined) return "";
  return `${round(value).toLocaleString("en-US", { maximumFractionDigits: 3 })}${unit}`;
}

function change(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || a === 0 || !Number.isFinite(a) || !Number.isFinite(b)) {
    return "";
  }
  const percent = ((b - a) / Math.abs(a)) * 100;
  return `${percent >= 0 ? "+" : ""}${percent.toFixed(1)}%`;
}

function verdicts(a: Figure | undefined, b: Figure | undefined): string {
  const [va, vb] = [a && verdict(a), b && verdict(b)];
  return va === undefined && vb === undefined ? "" : `${va ?? "–"} → ${vb ?? "–"}`;
}

const [fileA, fileB] = process.argv.slice(2).filter((arg) => arg !== "--");
if (fileA === undefined || fileB === undefined) {
  console.error("usage: pnpm bench:compare <a.json> <b.json>");
  process.exit(2);
}
const [a, b] = await Promise.all([load(fileA), load(fileB)]);
const byKey = (report: BenchReport) => new Map(report.figures.map((f) => [f.key, f]));
const [mapA, mapB] = [byKey(a), byKey(b)];
const keys = [...new Set([...mapA.keys(), ...mapB.keys()])];
const rows = keys.map((key) => {
  const [fa, fb] = [mapA.get(key), mapB.get(key)] as [Figure | undefined, Figure | undefined];
  const unit = (fa ?? fb)!.unit;
  const [ra, rb] = [fa && ratioOf(fa), fb && ratioOf(fb)];
  return [
    (fa ?? fb)!.label,
    `${show(fa?.value)} ${fa ? unit : ""}`.trim(),
    `${show(fb?.value)} ${fb ? unit : ""}`.trim(),
    change(fa?.value, fb?.value),
    ra === undefined ? "" : show(ra, "×"),
    rb === undefined ? "" : show(rb, "×"),
    verdicts(fa, fb),
  ];
});
const header = ["figure", "a", "b", "change", "ratio a", "ratio b", "target"];
console.log(`a: ${fileA} (${a.startedAt}, load ${a.loadAverage.start}${a.quick ? ", quick" : ""})`);
console.log(`b: ${fileB} (${b.startedAt}, load ${b.loadAverage.start}${b.quick ? ", quick" : ""})`);
for (const line of textTable(header, rows)) console.log(line);
