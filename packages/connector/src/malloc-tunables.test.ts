import { describe, expect, it } from "vitest";
import {
  CONNECTOR_MALLOC_TUNABLES,
  mallocTunables,
  mallocTunablesHint,
  runsOnGlibc,
  withMallocTunables,
} from "./malloc-tunables";

const OURS = "glibc.malloc.trim_threshold=33554432:glibc.malloc.mmap_threshold=1048576";

describe("GLIBC_TUNABLES for the connector", () => {
  it("names the heap's trim and mmap thresholds when the environment has none", () => {
    expect(mallocTunables(undefined)).toBe(OURS);
    expect(mallocTunables("")).toBe(OURS);
    expect(Object.keys(CONNECTOR_MALLOC_TUNABLES)).toHaveLength(2);
  });

  it("keeps the user's tunables and their values, adding only what they lack", () => {
    expect(mallocTunables("glibc.malloc.trim_threshold=1")).toBe(
      "glibc.malloc.trim_threshold=1:glibc.malloc.mmap_threshold=1048576",
    );
    expect(mallocTunables("glibc.cpu.hwcaps=-AVX512F")).toBe(`glibc.cpu.hwcaps=-AVX512F:${OURS}`);
    expect(mallocTunables(OURS)).toBe(OURS);
  });

  it("returns a new environment, leaving the given one alone", () => {
    const env = { PATH: "/bin" };
    expect(withMallocTunables(env)).toEqual({ PATH: "/bin", GLIBC_TUNABLES: OURS });
    expect(env).toEqual({ PATH: "/bin" });
  });

  it("hints at the settings on glibc only, and only when one of them is missing", () => {
    expect(mallocTunablesHint({}, true)).toContain(`GLIBC_TUNABLES=${OURS} `);
    expect(mallocTunablesHint({ GLIBC_TUNABLES: "glibc.malloc.trim_threshold=1" }, true)).toContain(
      "GLIBC_TUNABLES=glibc.malloc.trim_threshold=1:glibc.malloc.mmap_threshold=1048576 ",
    );
    expect(mallocTunablesHint({ GLIBC_TUNABLES: OURS }, true)).toBeNull();
    expect(mallocTunablesHint({}, false)).toBeNull();
  });

  it("finds glibc in this process's memory map on a glibc Linux", () => {
    // This machine and CI run Debian (glibc); elsewhere the answer must at least be false.
    const glibc = process.platform === "linux" && Boolean(process.report?.getReport?.());
    const header = glibc
      ? (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
      : undefined;
    expect(runsOnGlibc()).toBe(Boolean(header?.glibcVersionRuntime));
  });
});
