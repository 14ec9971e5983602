import { describe, expect, it } from "vitest";
import { matchRule, stripPort } from "./match";
import { durationMs } from "./origin-request";
import { compilePathRegex } from "./path-regex";
import { IngressValidationError, parseIngress } from "./rules";

const catchAll = { service: "http_status:404" };

function errorOf(source: Parameters<typeof parseIngress>[0]): string {
  try {
    parseIngress(source);
  } catch (error) {
    expect(error).toBeInstanceOf(IngressValidationError);
    return (error as Error).message;
  }
  throw new Error("expected a validation error");
}

describe("ingress validation", () => {
  it("accepts every service kind cloudflared has over http", () => {
    const ingress = parseIngress({
      ingress: [
        { hostname: "a.example.com", service: "http://localhost:8000" },
        { hostname: "b.example.com", service: "https://localhost:8443/" },
        { hostname: "c.example.com", service: "unix:/tmp/app.sock" },
        { hostname: "d.example.com", service: "unix+tls:/tmp/app.sock" },
        { hostname: "e.example.com", service: "hello_world" },
        { service: "http_status:418" },
      ],
    });
    expect(ingress.rules.map((rule) => rule.service.kind)).toEqual([
      "http",
      "http",
      "unix",
      "unix",
      "hello_world",
      "http_status",
    ]);
    expect(ingress.rules[3]!.service).toEqual({
      kind: "unix",
      socketPath: "/tmp/app.sock",
      tls: true,
    });
  });

  it("refuses no rules at all, with the fix", () => {
    expect(errorOf({})).toMatch(/No ingress rules.*http_status:404/);
    expect(errorOf({ ingress: [] })).toMatch(/No ingress rules/);
  });

  it("requires the last rule to match everything, naming it", () => {
    expect(errorOf({ ingress: [{ hostname: "a.com", service: "http://x:1" }] })).toMatch(
      /^Rule #1 is the last rule.*catch-all/,
    );
    expect(
      errorOf({ ingress: [catchAll, { path: "^/api", service: "http://x:1" }] }).startsWith(
        "Rule #1 matches all URLs",
      ),
    ).toBe(true);
  });

  it("refuses a catch-all before the last rule, naming it", () => {
    expect(
      errorOf({
        ingress: [
          { hostname: "a.com", service: "http://x:1" },
          { hostname: "*", service: "http://y:2" },
          catchAll,
        ],
      }),
    ).toMatch(/^Rule #2 matches all URLs.*move it to the end/);
  });

  it("refuses a port or a path in a hostname", () => {
    expect(
      errorOf({ ingress: [{ hostname: "a.com:443", service: "http://x:1" }, catchAll] }),
    ).toMatch(/^Rule #1: hostname "a.com:443" cannot contain a port/);
    expect(
      errorOf({ ingress: [{ hostname: "a.com/x", service: "http://x:1" }, catchAll] }),
    ).toMatch(/cannot contain a path/);
  });

  it("refuses * anywhere but as the whole first label", () => {
    for (const hostname of ["a.*.com", "*a.com", "a*.b.com", "*.*.com"]) {
      expect(errorOf({ ingress: [{ hostname, service: "http://x:1" }, catchAll] })).toMatch(
        /can use "\*" only as its whole first label/,
      );
    }
  });

  it("refuses an origin URL with a path, naming the rule", () => {
    expect(
      errorOf({ ingress: [{ hostname: "a.com", service: "http://x:1/base" }, catchAll] }),
    ).toMatch(/^Rule #1: http:\/\/x:1\/base is an invalid address.*remove the path/);
  });

  it('refuses tcp, ssh and rdp services with a clear "not yet"', () => {
    for (const service of ["tcp://localhost:22", "ssh://localhost:22", "rdp://localhost:3389"]) {
      expect(errorOf({ ingress: [{ hostname: "a.com", service }, catchAll] })).toMatch(
        /not supported yet.*TCP streams/,
      );
    }
  });

  it("refuses unknown services, bad statuses, relative sockets and missing services", () => {
    expect(errorOf({ ingress: [{ service: "ftp://x" }] })).toMatch(/^Rule #1.*unknown scheme/);
    expect(errorOf({ ingress: [{ service: "localhost:8080x" }] })).toMatch(/Rule #1/);
    expect(errorOf({ ingress: [{ service: "http_status:999" }] })).toMatch(/100 to 599/);
    expect(errorOf({ ingress: [{ service: "unix:app.sock" }] })).toMatch(/absolute socket path/);
    expect(errorOf({ ingress: [{ hostname: "a.com" }, catchAll] })).toMatch(
      /^Rule #1 has no service/,
    );
    expect(errorOf({ ingress: ["http://x:1"] })).toMatch(/^Rule #1 is not a mapping/);
    expect(errorOf({ ingress: [{ service: "http://x:1", hostnme: "a" }] })).toMatch(
      /unknown key "hostnme"/,
    );
  });

  it("refuses a path regex that could take exponential time or uses what RE2 lacks", () => {
    for (const path of ["(a+)+$", "(a*)*", "(a|ab)*c", "(x+x+)+y", "(\\w+\\s?)*$"]) {
      expect(errorOf({ ingress: [{ path, service: "http://x:1" }, catchAll] })).toMatch(
        /^Rule #1: path .* exponential time/,
      );
    }
    expect(errorOf({ ingress: [{ path: "(a)\\1", service: "http://x:1" }, catchAll] })).toMatch(
      /backreference/,
    );
    expect(
      errorOf({ ingress: [{ path: "^/(?!admin)", service: "http://x:1" }, catchAll] }),
    ).toMatch(/lookaround/);
    expect(errorOf({ ingress: [{ path: ".*.*.*.*x", service: "http://x:1" }, catchAll] })).toMatch(
      /4 unbounded quantifiers/,
    );
    expect(errorOf({ ingress: [{ path: "(", service: "http://x:1" }, catchAll] })).toMatch(
      /unclosed/,
    );
  });

  it("accepts the path regexes people write", () => {
    for (const path of [
      "^/api/.*",
      "\\.(jpg|png|css|js)$",
      "^/v[0-9]+/users/(\\d+)?$",
      "/static/[a-z(]+",
      "^/(?:a|b)/x{2,}",
    ]) {
      expect(compilePathRegex(path).ok, path).toBe(true);
    }
  });

  it("refuses a malformed originRequest, naming the rule", () => {
    expect(
      errorOf({
        ingress: [
          { hostname: "a.com", service: "http://x:1", originRequest: { connectTimeout: "soon" } },
          catchAll,
        ],
      }),
    ).toMatch(/^Rule #1: originRequest: connectTimeout "soon" is not a duration/);
    expect(errorOf({ originRequest: { noTLSVerify: "yes" }, ingress: [catchAll] })).toMatch(
      /^The top-level originRequest: noTLSVerify must be true or false/,
    );
  });
});

describe("originRequest", () => {
  it("reads Go durations from YAML and integer seconds from JSON", () => {
    expect(durationMs("x", "30s")).toBe(30_000);
    expect(durationMs("x", "1m30s")).toBe(90_000);
    expect(durationMs("x", "250ms")).toBe(250);
    expect(durationMs("x", 10)).toBe(10_000);
  });

  it("lets a rule override the top-level defaults, which override cloudflared's", () => {
    const ingress = parseIngress({
      originRequest: { connectTimeout: "5s", httpHostHeader: "internal", noTLSVerify: true },
      ingress: [
        {
          hostname: "a.com",
          service: "https://x:1",
          originRequest: { connectTimeout: 2, keepAliveConnections: 4 },
        },
        catchAll,
      ],
    });
    expect(ingress.rules[0]!.originRequest).toMatchObject({
      connectTimeoutMs: 2_000,
      httpHostHeader: "internal",
      noTLSVerify: true,
      keepAliveConnections: 4,
      tlsTimeoutMs: 10_000,
      keepAliveTimeoutMs: 90_000,
    });
    expect(ingress.rules[1]!.originRequest.connectTimeoutMs).toBe(5_000);
  });

  it("warns about cloudflared options burrow does not act on, and loads", () => {
    const ingress = parseIngress({
      originRequest: { http2Origin: true, madeUp: 1 },
      ingress: [catchAll],
    });
    expect(ingress.warnings).toEqual([
      "top-level originRequest.http2Origin is not supported by burrow yet and is ignored",
      "top-level originRequest.madeUp is not an option cloudflared knows; ignored",
    ]);
  });
});

describe("ingress matching", () => {
  const ingress = parseIngress({
    ingress: [
      { hostname: "api.example.com", path: "^/v2/", service: "http://v2:1" },
      { hostname: "API.example.com", service: "http://api:1" },
      { hostname: "*.example.com", service: "http://wild:1" },
      { path: "\\.png$", service: "http://images:1" },
      { service: "http_status:404" },
    ],
  });

  it("takes the first matching rule", () => {
    expect(matchRule(ingress, "api.example.com", "/v2/users")).toBe(0);
    expect(matchRule(ingress, "api.example.com", "/v1/users")).toBe(1);
  });

  it("ignores the port and the case of the host", () => {
    expect(matchRule(ingress, "API.Example.com:8443", "/")).toBe(1);
  });

  it("matches a wildcard at any depth but not the apex", () => {
    expect(matchRule(ingress, "a.example.com", "/")).toBe(2);
    expect(matchRule(ingress, "a.b.c.example.com", "/")).toBe(2);
    expect(matchRule(ingress, "example.com", "/")).toBe(4);
    expect(matchRule(ingress, "notexample.com", "/")).toBe(4);
  });

  it("matches a path unanchored", () => {
    expect(matchRule(ingress, "other.org", "/a/b/logo.png")).toBe(3);
    expect(matchRule(ingress, "other.org", "/logo.png?x")).toBe(4);
  });

  it("falls to the catch-all", () => {
    expect(matchRule(ingress, "other.org", "/")).toBe(4);
  });

  it("strips ports from names and IPv6 literals", () => {
    expect(stripPort("a.com:80")).toBe("a.com");
    expect(stripPort("[::1]:80")).toBe("::1");
    expect(stripPort("a.com")).toBe("a.com");
  });
});
