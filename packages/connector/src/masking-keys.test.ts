import { describe, expect, it } from "vitest";
import { edgeMaskingKeys } from "./masking-keys";

describe("edgeMaskingKeys", () => {
  it("uses zero keys over TLS, whatever the host", () => {
    for (const edge of ["https://edge.example.com", "https://203.0.113.9:8443", "wss://x.test"]) {
      expect(edgeMaskingKeys(new URL(edge)), edge).toBe("zero");
    }
  });

  it("uses zero keys on loopback in cleartext", () => {
    for (const edge of [
      "http://127.0.0.1:8787",
      "http://127.9.8.7",
      "http://localhost:8787",
      "http://LOCALHOST.",
      "http://edge.localhost",
      "http://[::1]:8787",
      "http://[::ffff:127.0.0.1]",
    ]) {
      expect(edgeMaskingKeys(new URL(edge)), edge).toBe("zero");
    }
  });

  it("keeps random keys in cleartext anywhere else", () => {
    for (const edge of [
      "http://edge.example.com",
      "http://10.0.0.1:8787",
      "http://128.0.0.1",
      "http://[::2]",
      "http://[::ffff:10.0.0.1]",
      "http://127.0.0.1.nip.io",
      "http://localhost.example.com",
      "http://0.0.0.0",
    ]) {
      expect(edgeMaskingKeys(new URL(edge)), edge).toBe("random");
    }
  });
});
