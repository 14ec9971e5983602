import { describe, expect, it } from "vitest";
import {
  connectionNominated,
  isHost,
  requestHeadProblem,
  subprotocols,
  visitorHeaderValue,
  wireHeaderValue,
} from "./request-head";

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

describe("wireHeaderValue / visitorHeaderValue", () => {
  it("turns a decoded UTF-8 value back into its bytes, and back again", () => {
    const wire = wireHeaderValue("Zoë 日本")!;
    expect(wire).toBe(latin1(new TextEncoder().encode("Zoë 日本")));
    expect(visitorHeaderValue(wire)).toBe("Zoë 日本");
  });

  it("refuses CTLs, DEL and U+FFFD (bytes workerd could not decode) but keeps a tab", () => {
    for (const value of ["a\x01b", "a\x7fb", "caf\ufffd", "a\nb"]) {
      expect(wireHeaderValue(value)).toBeNull();
    }
    expect(wireHeaderValue("a\tb")).toBe("a\tb");
  });

  it("drops an origin value that is not UTF-8", () => {
    expect(visitorHeaderValue("caf\xe9")).toBeNull();
  });
});

describe("requestHeadProblem", () => {
  const request = (headers: Record<string, string>, init: RequestInit = {}) =>
    new Request("http://t.localhost/", { headers, ...init });

  it("refuses Content-Length together with Transfer-Encoding", () => {
    const problem = requestHeadProblem(
      request(
        { "content-length": "4", "transfer-encoding": "chunked" },
        { method: "POST", body: "abcd" },
      ),
    );
    expect(problem).toBe("length_and_chunked");
  });

  it("refuses malformed subprotocol lists and accepts a valid one", () => {
    for (const list of ["chat, chat", "a b", ","]) {
      expect(requestHeadProblem(request({ "sec-websocket-protocol": list }))).toBe(
        "bad_subprotocol",
      );
    }
    expect(subprotocols("chat, superchat")).toEqual(["chat", "superchat"]);
  });

  it("passes an ordinary request", () => {
    expect(requestHeadProblem(request({ accept: "*/*", "x-name": "Zoë" }))).toBeNull();
  });
});

describe("isHost", () => {
  it("accepts names, IPv6 literals and ports, and refuses the rest", () => {
    for (const host of ["a.localhost", "a.localhost:8787", "[::1]:80", "127.0.0.1"]) {
      expect(isHost(host)).toBe(true);
    }
    for (const host of ["[::1", "a:b:c", "a b", "a{b}", "a.localhost:http", ""]) {
      expect(isHost(host)).toBe(false);
    }
  });
});

describe("connectionNominated", () => {
  it("lists the names a Connection value nominates, lowercased", () => {
    expect([...connectionNominated("X-Secret, close,,keep-alive")]).toEqual([
      "x-secret",
      "close",
      "keep-alive",
    ]);
  });
});
