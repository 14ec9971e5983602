import type { Header } from "@burrow/wire";
import { describe, expect, it } from "vitest";
import { InvalidRequestHead, requestHead } from "./request-head";

function headText(
  method: string,
  path: string,
  headers: readonly Header[],
  keepAlive = true,
): string {
  return requestHead(method, path, headers, keepAlive).bytes.toString("latin1");
}

describe("requestHead", () => {
  it("writes the request line, the fields in order and Connection: keep-alive", () => {
    const head = requestHead(
      "GET",
      "/path?q=1&r=%20",
      [
        ["Host", "example.com"],
        ["accept", "*/*"],
        ["X-Twice", "1"],
        ["x-twice", "2"],
      ],
      true,
    );
    expect(head.bytes.toString("latin1")).toBe(
      "GET /path?q=1&r=%20 HTTP/1.1\r\nHost: example.com\r\naccept: */*\r\nX-Twice: 1\r\n" +
        "x-twice: 2\r\nconnection: keep-alive\r\n\r\n",
    );
    expect(head).toMatchObject({ framing: "none", declaredBytes: 0, closes: false });
  });

  it("asks for Connection: close when the agent keeps nothing alive", () => {
    const head = requestHead("GET", "/", [["host", "a"]], false);
    expect(head.bytes.toString("latin1")).toBe(
      "GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
    );
    expect(head.closes).toBe(true);
  });

  it("writes no head fields beyond the request line and Connection when given none", () => {
    expect(headText("OPTIONS", "*", [])).toBe(
      "OPTIONS * HTTP/1.1\r\nconnection: keep-alive\r\n\r\n",
    );
  });

  it("keeps a Connection header the caller gave instead of adding one", () => {
    const upgrade = requestHead("GET", "/", [["Connection", "Upgrade"]], true);
    expect(upgrade.bytes.toString("latin1")).toBe("GET / HTTP/1.1\r\nConnection: Upgrade\r\n\r\n");
    expect(upgrade.closes).toBe(false);
    const kept = requestHead("GET", "/", [["connection", "keep-alive"]], false);
    expect(kept.bytes.toString("latin1")).toBe("GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n");
    // The agent keeps nothing alive, whatever the caller asked the origin.
    expect(kept.closes).toBe(true);
  });

  it("closes after a request whose Connection header says close, in any case or list", () => {
    for (const headers of [
      [["Connection", "close"]],
      [["connection", "CLOSE"]],
      [["Connection", "keep-alive, Close"]],
      [
        ["Connection", "upgrade"],
        ["connection", " close "],
      ],
    ] satisfies Header[][]) {
      const head = requestHead("GET", "/", headers, true);
      expect(head.closes, JSON.stringify(headers)).toBe(true);
      const fields = headers.map(([name, value]) => `${name}: ${value}\r\n`).join("");
      expect(head.bytes.toString("latin1")).toBe(`GET / HTTP/1.1\r\n${fields}\r\n`);
    }
  });

  it("frames a body by Content-Length or Transfer-Encoding", () => {
    const length = requestHead("POST", "/upload", [["Content-Length", "12"]], true);
    expect(length.bytes.toString("latin1")).toBe(
      "POST /upload HTTP/1.1\r\nContent-Length: 12\r\nconnection: keep-alive\r\n\r\n",
    );
    expect(length).toMatchObject({ framing: "length", declaredBytes: 12 });
    const chunked = requestHead("PUT", "/", [["transfer-encoding", "chunked"]], true);
    expect(chunked).toMatchObject({ framing: "chunked", declaredBytes: 0 });
  });

  it("writes values with tabs, obs-text and nothing at all as they are", () => {
    const head = requestHead(
      "GET",
      "/caf\xe9",
      [
        ["x-tab", "a\tb"],
        ["x-latin", "caf\xe9 \xff"],
        ["x-empty", ""],
      ],
      true,
    );
    expect([...head.bytes]).toEqual([
      ...Buffer.from("GET /caf"),
      0xe9,
      ...Buffer.from(" HTTP/1.1\r\nx-tab: a\tb\r\nx-latin: caf"),
      0xe9,
      0x20,
      0xff,
      ...Buffer.from("\r\nx-empty: \r\nconnection: keep-alive\r\n\r\n"),
    ]);
  });

  it("accepts any token as a method", () => {
    for (const method of ["GET", "PROPFIND", "M-SEARCH", "x!#$%&'*+.^_`|~9"]) {
      expect(headText(method, "/", [])).toMatch(
        new RegExp(`^${method.replace(/[$^.*+|]/g, "\\$&")} / `),
      );
    }
  });
});

describe("requestHead refusals", () => {
  function refuses(method: string, path: string, headers: readonly Header[]): void {
    expect(() => requestHead(method, path, headers, true)).toThrow(InvalidRequestHead);
  }

  it("refuses a method that is not a token", () => {
    for (const method of [
      "",
      "GE T",
      "GET\r\n",
      "GET\n",
      "G(ET)",
      "GET/",
      "G\xc9T",
      "GET\x00",
      "\u0100",
    ]) {
      refuses(method, "/", []);
    }
  });

  it("refuses a path with spaces, control characters or characters past latin1", () => {
    for (const path of [
      "",
      "/a b",
      "/a\tb",
      "/a\r\nHost: evil",
      "/a\nb",
      "/a\rb",
      "/\x00",
      "/\x1f",
      "/\u0100",
      "/\u{1f600}",
    ]) {
      refuses("GET", path, []);
    }
  });

  it("refuses a header name that is not a token", () => {
    for (const name of ["", "x y", "x:y", "x\r\ny", "x\n", "caf\xe9", "x\u0100", "(x)", "x\t"]) {
      refuses("GET", "/", [[name, "v"]]);
    }
  });

  it("refuses a header value that would inject a line or holds other control characters", () => {
    for (const value of [
      "a\r\nx-injected: 1",
      "a\r\n\r\nGET /smuggled HTTP/1.1",
      "a\nb",
      "a\rb",
      "a\x00b",
      "\x01",
      "\x1f",
      "\x7f",
      "\u0100",
      "\u{1f600}",
    ]) {
      refuses("GET", "/", [
        ["host", "example.com"],
        ["x-visitor", value],
      ]);
    }
  });

  it("names the refused part in the error without echoing it raw", () => {
    expect(() => requestHead("GET", "/", [["x-a", "b\r\nc"]], true)).toThrow(
      'invalid character in header "x-a"',
    );
    expect(() => requestHead("GET", "/", [["x a", "b"]], true)).toThrow(
      'invalid header name "x a"',
    );
    expect(() => requestHead("G T", "/", [], true)).toThrow('invalid method "G T"');
    expect(() => requestHead("GET", "/ x", [], true)).toThrow(
      "request path contains unescaped characters",
    );
  });
});
