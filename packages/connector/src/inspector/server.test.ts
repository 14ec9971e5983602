import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../connector-error";
import { OriginHttpAgent } from "../origin-http1/origin-http-agent";
import { SingleOriginRouter } from "../origin-router";
import {
  exposureWarning,
  type Inspector,
  isLoopbackAddress,
  parseInspectFlag,
  startInspector,
} from "./server";
import { InspectorStore } from "./store";

describe("parseInspectFlag", () => {
  it("is on at 127.0.0.1:4040 with fallback for quick tunnels and off for named ones", () => {
    expect(parseInspectFlag(undefined, true)).toEqual({
      host: "127.0.0.1",
      port: 4040,
      fallback: true,
    });
    expect(parseInspectFlag(undefined, false)).toBeNull();
  });

  it("turns off with false or --no-inspect", () => {
    expect(parseInspectFlag("false", true)).toBeNull();
    expect(parseInspectFlag(false, true)).toBeNull();
  });

  it("takes an explicit address without fallback", () => {
    expect(parseInspectFlag("0.0.0.0:4041", false)).toEqual({
      host: "0.0.0.0",
      port: 4041,
      fallback: false,
    });
    expect(parseInspectFlag("[::1]:0", false)).toEqual({ host: "::1", port: 0, fallback: false });
  });

  it("refuses an address without a port", () => {
    expect(() => parseInspectFlag("localhost", true)).toThrow(ConnectorError);
  });
});

describe("isLoopbackAddress", () => {
  // Tests listen on 127.0.0.1 only, so the warning's condition is checked here, not by binding.
  it("tells loopback addresses, which need no warning, from the rest", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) {
      expect(isLoopbackAddress(host)).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.4", "10.0.0.1"]) {
      expect(isLoopbackAddress(host)).toBe(false);
    }
  });
});

describe("exposureWarning", () => {
  it("warns for an address beyond loopback and stays quiet on loopback", () => {
    expect(exposureWarning("0.0.0.0", "http://0.0.0.0:4040")).toMatch(
      /^warning: the inspector listens on http:\/\/0\.0\.0\.0:4040, beyond loopback/,
    );
    expect(exposureWarning("127.0.0.1", "http://127.0.0.1:4040")).toBeNull();
  });
});

describe("startInspector", () => {
  let inspector: Inspector | null = null;
  const lines: string[] = [];
  afterEach(() => {
    inspector?.close();
    inspector = null;
    lines.length = 0;
  });
  const options = {
    store: new InspectorStore(),
    router: () =>
      new SingleOriginRouter(new URL("http://127.0.0.1:1"), {
        http: new OriginHttpAgent(),
        https: new https.Agent(),
      }),
    tunnelName: "t",
  };

  it("logs its bound address and no warning on loopback", async () => {
    inspector = await startInspector(
      { host: "127.0.0.1", port: 0, fallback: false },
      options,
      (line) => lines.push(line),
    );
    expect(lines).toEqual([`inspector on ${inspector.url}`]);
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("answers 403 to a Host that is not loopback (DNS rebinding)", async () => {
    inspector = await startInspector(
      { host: "127.0.0.1", port: 0, fallback: false },
      options,
      () => {},
    );
    const { port } = inspector.server.address() as AddressInfo;
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port, path: "/api/requests/http", headers: { host } }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          })
          .on("error", reject);
      });
    expect(await status("evil.example:80")).toBe(403);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`localhost:${port}`)).toBe(200);
  });

  it("streams each recorded request to /api/events as it happens, and a clear", async () => {
    const store = new InspectorStore();
    inspector = await startInspector(
      { host: "127.0.0.1", port: 0, fallback: false },
      { ...options, store },
      () => {},
    );
    const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${inspector!.url}/api/events`, resolve).on("error", reject),
    );
    expect(response.headers["content-type"]).toBe("text/event-stream");
    response.setEncoding("utf8");
    let text = "";
    const until = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => pattern.test(text) && resolve();
        response.on("data", (chunk: string) => {
          text += chunk;
          check();
        });
        check();
      });
    await until(/^: inspector/);
    store.observe(
      {
        kind: "requestHead",
        streamId: 1,
        method: "GET",
        url: "https://t.localhost/live?x=1",
        headers: [],
        websocket: false,
        hasBody: false,
        target: null,
      } as never,
      0,
    );
    await until(/event: update\ndata: .*"uri":"\/live\?x=1"/);
    store.clear();
    await until(/event: clear/);
    response.destroy();
  });

  it("moves to the next port when the default one is taken", async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      inspector = await startInspector(
        { host: "127.0.0.1", port: taken, fallback: true },
        options,
        () => {},
      );
      expect((inspector.server.address() as AddressInfo).port).not.toBe(taken);
    } finally {
      blocker.close();
    }
  });

  it("fails with a ConnectorError when an explicit port is taken", async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      await expect(
        startInspector({ host: "127.0.0.1", port: taken, fallback: false }, options, () => {}),
      ).rejects.toThrow(ConnectorError);
    } finally {
      blocker.close();
    }
  });
});
