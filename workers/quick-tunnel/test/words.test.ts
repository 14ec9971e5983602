import { describe, expect, it } from "vitest";
import { WORD_DENYLIST } from "../scripts/word-denylist";
import { randomHostname } from "../src/hostname";
import { WORDS } from "../src/words";

describe("the hostname word list", () => {
  it("holds at least 2,000 unique words, so four give at least 2^44 names", () => {
    expect(new Set(WORDS).size).toBe(WORDS.length);
    expect(WORDS.length).toBeGreaterThanOrEqual(2_000);
    expect(4 * Math.log2(WORDS.length)).toBeGreaterThanOrEqual(44);
  });

  it("holds only 3–6 lowercase letters a–z per word", () => {
    expect(WORDS.filter((word) => !/^[a-z]{3,6}$/.test(word))).toEqual([]);
  });

  // Regression: Debian's list gave names like `panes-clxix-kilo-drips` and held slurs.
  it("holds no word from the denylist, no Roman numeral and no word without a vowel", () => {
    const denied = new Set(WORD_DENYLIST);
    expect(WORDS.filter((word) => denied.has(word))).toEqual([]);
    // Stricter than "is a valid numeral": any spelling in I V X L C D M alone (`civic`) is out.
    expect(WORDS.filter((word) => /^[ivxlcdm]+$/.test(word))).toEqual([]);
    expect(WORDS.filter((word) => !/[aeiouy]/.test(word))).toEqual([]);
  });

  it("denies the words issue 8 found in the old list", () => {
    for (const word of ["coon", "retard", "fuck", "bitchy", "incest", "anuses", "asst", "awol"]) {
      expect(WORD_DENYLIST).toContain(word);
    }
  });

  it("builds hostnames of four listed words under the zone", () => {
    for (let i = 0; i < 200; i++) {
      const hostname = randomHostname("example.test");
      const [label, ...zone] = hostname.split(".");
      expect(zone.join(".")).toBe("example.test");
      const words = label?.split("-") ?? [];
      expect(words).toHaveLength(4);
      for (const word of words) expect(WORDS).toContain(word);
    }
  });
});
