import { describe, expect, it } from "vitest";
import { hashSecret, secretMatches } from "../src";

describe("hashSecret", () => {
  it("returns the lowercase hex SHA-256 of the raw bytes", async () => {
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    expect(await hashSecret(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("secretMatches", () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));

  it("accepts the secret whose hash is stored", async () => {
    expect(await secretMatches(secret, await hashSecret(secret))).toBe(true);
  });

  it("accepts an uppercase stored hash", async () => {
    expect(await secretMatches(secret, (await hashSecret(secret)).toUpperCase())).toBe(true);
  });

  it("rejects a secret that differs in one bit", async () => {
    const wrong = secret.slice();
    wrong[31] = (wrong[31] ?? 0) ^ 1;
    expect(await secretMatches(wrong, await hashSecret(secret))).toBe(false);
  });

  it("rejects secrets of the wrong length, empty included", async () => {
    const expected = await hashSecret(secret);
    expect(await secretMatches(secret.slice(0, 31), expected)).toBe(false);
    expect(await secretMatches(new Uint8Array([...secret, 0]), expected)).toBe(false);
    expect(await secretMatches(new Uint8Array(0), expected)).toBe(false);
  });

  it("rejects everything when the stored hash is malformed", async () => {
    const expected = await hashSecret(secret);
    expect(await secretMatches(secret, expected.slice(0, 62))).toBe(false);
    expect(await secretMatches(secret, `${expected}00`)).toBe(false);
    expect(await secretMatches(secret, `${expected.slice(0, 63)}g`)).toBe(false);
    expect(await secretMatches(secret, "")).toBe(false);
  });
});
