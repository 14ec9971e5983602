import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startConnector, stopAllConnectors, stopConnector } from "@burrow/connector/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { type Origin, startOrigin } from "./harness/origin";
import { openRequest, readBody, visit, visitEventually, visitorAgent } from "./harness/visitor";

/** Bounds a wait that must end on its own; a hang fails the test with `what` instead of a timeout. */
function withinBound<T>(promise: Promise<T>, what: string, boundMs = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what}`)), boundMs);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

describe("a connector that dies", () => {
  let edge: TestEdge;
  let origin: Origin;

  beforeAll(async () => {
    edge = await startEdge();
    origin = await startOrigin();
  });
  afterEach(async () => {
    await stopAllConnectors();
    origin.release();
    origin.hold();
  });
  afterAll(async () => {
    await origin?.close();
    visitorAgent.destroy();
    await edge?.dispose();
  });

  it("aborts the visitor's response when the connector is killed mid-response, then answers 1033", async () => {
    const connector = await startConnector({ edge: edge.url, origin: origin.url });
    // `/stall` declares 1 MiB, sends its head and 64 KiB, then holds the rest of the body.
    // A chunked body would not do: workerd (Miniflare) ends an errored response stream with a
    // clean last chunk, so only a declared length lets a visitor see the truncation.
    const response = await openRequest({
      port: edge.port,
      hostname: connector.hostname,
      path: "/stall?length=1048576",
    });
    expect(response.statusCode).toBe(200);
    const firstBytes = new Promise<void>((resolve) => response.once("data", () => resolve()));
    const body = readBody(response);
    body.catch(() => {});
    await firstBytes;

    const exit = await stopConnector(connector);
    expect(exit.signal).toBe("SIGKILL");
    await expect(withinBound(body, "visitor response after SIGKILL")).rejects.toThrow(
      /aborted|closed before its end|ECONNRESET|socket hang up/,
    );

    const after = await visitEventually(
      { port: edge.port, hostname: connector.hostname, path: "/echo-headers" },
      530,
    );
    expect(after.status).toBe(530);
    expect(after.headers["x-burrow-error"]).toBe("1033");
    expect(after.body.toString("utf8")).toContain("Error 1033");
  });

  it("answers 1033 as JSON to a client that asks for JSON", async () => {
    const connector = await startConnector({ edge: edge.url, origin: origin.url });
    await stopConnector(connector);
    const after = await visitEventually(
      { port: edge.port, hostname: connector.hostname, headers: { accept: "application/json" } },
      530,
    );
    expect(after.status).toBe(530);
    expect(after.headers["x-burrow-error"]).toBe("1033");
    expect(JSON.parse(after.body.toString("utf8"))).toMatchObject({ error: { number: 1033 } });
  });
});

describe("a restarted connector process", () => {
  let edge: TestEdge;
  let origin: Origin;
  let stateDir: string;

  beforeAll(async () => {
    edge = await startEdge();
    origin = await startOrigin();
    stateDir = await mkdtemp(path.join(tmpdir(), "burrow-e2e-"));
  });
  afterAll(async () => {
    await stopAllConnectors();
    await origin?.close();
    visitorAgent.destroy();
    await edge?.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("serves the same hostname again when restarted with the same --credentials-file", async () => {
    const credentialsFile = path.join(stateDir, "tunnel.json");
    const args = ["--credentials-file", credentialsFile];
    const first = await startConnector({ edge: edge.url, origin: origin.url, args });
    expect(first.logs()).toContain(`saved the tunnel's credentials to ${credentialsFile}`);
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(credentialsFile, "utf8"));
    expect(saved).toMatchObject({ Hostname: first.hostname, TunnelID: expect.any(String) });
    const served = await visit({
      port: edge.port,
      hostname: first.hostname,
      path: "/echo-headers",
    });
    expect(served.status).toBe(200);

    await stopConnector(first);
    // The DO learns of the closed socket asynchronously; a visit racing it may see 502 once.
    expect((await visitEventually({ port: edge.port, hostname: first.hostname }, 530)).status).toBe(
      530,
    );

    const second = await startConnector({ edge: edge.url, origin: origin.url, args });
    expect(second.hostname).toBe(first.hostname);
    expect(second.logs()).toContain(`reusing tunnel ${saved.TunnelID}`);
    const response = await visit({
      port: edge.port,
      hostname: second.hostname,
      path: "/echo-headers",
    });
    expect(response.status).toBe(200);
  });

  it("mints a new hostname without a credentials file", async () => {
    const first = await startConnector({ edge: edge.url, origin: origin.url });
    await stopConnector(first);
    const second = await startConnector({ edge: edge.url, origin: origin.url });
    expect(second.hostname).not.toBe(first.hostname);
  });
});

describe("a connector that reconnects", () => {
  let stateDir: string;
  let origin: Origin;
  let edge: TestEdge | null = null;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), "burrow-e2e-"));
    origin = await startOrigin();
  });
  afterAll(async () => {
    await stopAllConnectors();
    await origin?.close();
    visitorAgent.destroy();
    await edge?.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("keeps the hostname when the edge restarts and the connector reconnects in-process", async () => {
    edge = await startEdge({ persistTo: stateDir });
    const port = edge.port;
    const connector = await startConnector({ edge: edge.url, origin: origin.url });
    const before = await visit({ port, hostname: connector.hostname, path: "/echo-headers" });
    expect(before.status).toBe(200);

    // Stopping the runtime drops the connector's WebSocket; D1 and Durable Object state persist.
    const offset = connector.logs().length;
    await edge.dispose();
    edge = null;
    await connector.waitForLog(/connection 0 to the edge closed/, offset);
    edge = await startEdge({ persistTo: stateDir, port });
    await withinBound(
      connector.waitForLog(/Registered tunnel connection connIndex=0/, offset),
      "connector reconnecting to the restarted edge",
      60_000,
    );

    const again = await visit({ port, hostname: connector.hostname, path: "/echo-headers" });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body.toString("utf8")).headers.host).toBe(
      `${connector.hostname}:${port}`,
    );
    expect(connector.logs()).not.toMatch(/error:/);
  });
});
