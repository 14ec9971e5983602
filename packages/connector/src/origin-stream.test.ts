import { describe, expect, it } from "vitest";
import { originUrlFor } from "./origin-stream";

describe("originUrlFor", () => {
  it("keeps the origin's host and base path and takes the visitor's path and query", () => {
    const origin = new URL("http://localhost:3000/app/");
    expect(originUrlFor(origin, "https://a-b-c-d.example.com/x/y?z=1").href).toBe(
      "http://localhost:3000/app/x/y?z=1",
    );
  });

  it("never lets the visitor's URL pick another host or port", () => {
    const origin = new URL("http://127.0.0.1:8080");
    for (const url of [
      "http://evil.example:22/",
      "//evil.example/",
      "http://127.0.0.1:9999/admin",
    ]) {
      const target = originUrlFor(origin, url);
      expect(target.host).toBe("127.0.0.1:8080");
    }
  });
});
