import { type Connector, startConnector, stopAllConnectors } from "@burrow/connector/testing";
import { encodeFrame, type Frame, joinFrameBatch } from "@burrow/wire";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MintedTunnel, mintQuickTunnel, startEdge, type TestEdge } from "./harness/edge";
import {
  attachFakeConnector,
  attemptConnect,
  connectHeaders,
  type FakeConnector,
} from "./harness/fake-connector";
import { type Origin, startOrigin } from "./harness/origin";
import { visit, visitorAgent } from "./harness/visitor";

/** The edge answers every authentication failure the same way, so a caller learns nothing. */
const UNAUTHORIZED = {
  success: false,
  result: null,
  errors: [{ code: expect.any(Number), message: expect.any(String) }],
};

describe("connector authentication and frame validation", () => {
  let edge: TestEdge;
  let origin: Origin;
  let connector: Connector;
  const fakes: FakeConnector[] = [];

  beforeAll(async () => {
    edge = await startEdge();
    origin = await startOrigin();
    connector = await startConnector({ edge: edge.url, origin: origin.url });
  });
  afterEach(() => {
    for (const fake of fakes.splice(0)) fake.socket.terminate();
  });
  afterAll(async () => {
    await stopAllConnectors();
    await origin?.close();
    visitorAgent.destroy();
    await edge?.dispose();
  });

  const serves = async (hostname: string) =>
    (await visit({ port: edge.port, hostname, path: "/echo-headers" })).status;
  const connectionsOf = async (tunnelId: string) => {
    const namespace = await edge.miniflare.getDurableObjectNamespace("TUNNEL", "burrow-edge");
    const stub = namespace.get(namespace.idFromName(tunnelId)) as unknown as {
      connections(): Promise<unknown[]>;
    };
    return (await stub.connections()).length;
  };

  it("refuses a wrong secret with a 401 JSON envelope", async () => {
    const victim = await mintQuickTunnel(edge);
    const wrongSecret = Buffer.alloc(32, 7).toString("base64");
    const refusal = await attemptConnect(edge.url, connectHeaders(victim.id, wrongSecret));
    expect(refusal.status).toBe(401);
    expect(JSON.parse(refusal.body)).toMatchObject(UNAUTHORIZED);
    expect(await connectionsOf(victim.id)).toBe(0);
  });

  it("refuses another tunnel's secret and leaves that tunnel's traffic alone", async () => {
    const victim = await mintQuickTunnel(edge);
    const attacker = await mintQuickTunnel(edge);
    expect(await serves(connector.hostname)).toBe(200);

    const refusal = await attemptConnect(edge.url, connectHeaders(victim.id, attacker.secret));
    expect(refusal.status).toBe(401);
    const wrongSecretBody = JSON.parse(refusal.body);
    expect(wrongSecretBody).toMatchObject(UNAUTHORIZED);
    // An unknown tunnel id gets the very same answer as a wrong secret.
    const unknown = await attemptConnect(
      edge.url,
      connectHeaders(crypto.randomUUID(), attacker.secret),
    );
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body)).toEqual(wrongSecretBody);

    expect(await connectionsOf(victim.id)).toBe(0);
    // The victim still has no connector, and the running tunnel still serves.
    const victimResponse = await visit({ port: edge.port, hostname: victim.hostname });
    expect(victimResponse.status).toBe(530);
    expect(victimResponse.headers["x-burrow-error"]).toBe("1033");
    expect(await serves(connector.hostname)).toBe(200);
  });

  it("refuses a missing or malformed authorization header", async () => {
    const tunnel = await mintQuickTunnel(edge);
    const headers = connectHeaders(tunnel.id, tunnel.secret);
    for (const authorization of [
      undefined,
      "Basic abc",
      "Bearer !!!",
      `Bearer ${"A".repeat(300)}`,
    ]) {
      const attempt = { ...headers } as Record<string, string>;
      if (authorization === undefined) delete attempt.authorization;
      else attempt.authorization = authorization;
      const refusal = await attemptConnect(edge.url, attempt);
      expect(refusal.status).toBe(401);
      expect(JSON.parse(refusal.body)).toMatchObject(UNAUTHORIZED);
    }
  });

  it("closes only the connection that sends a malformed frame, with 1007", async () => {
    const tunnel: MintedTunnel = await mintQuickTunnel(edge);
    const good = await attachFakeConnector(edge.url, tunnel);
    const bad = await attachFakeConnector(edge.url, tunnel);
    fakes.push(good, bad);
    expect(await connectionsOf(tunnel.id)).toBe(2);

    bad.socket.send(Buffer.from("this is not a cap'n proto frame, not even close"));
    expect((await bad.closed).code).toBe(1007);

    // Every request now lands on the surviving connection of the same tunnel.
    for (let i = 0; i < 5; i++) {
      const response = await visit({
        port: edge.port,
        hostname: tunnel.hostname,
        path: `/after/${i}`,
      });
      expect(response.status).toBe(200);
      expect(response.body.toString("utf8")).toBe(`fake:/after/${i}`);
    }
    expect(await connectionsOf(tunnel.id)).toBe(1);
    expect(await serves(connector.hostname)).toBe(200);
  });

  it("reads several frames from one message: two visitors answered in one batch", async () => {
    const tunnel = await mintQuickTunnel(edge);
    const heads: Array<Extract<Frame, { kind: "requestHead" }>> = [];
    const fake = await attachFakeConnector(edge.url, tunnel, {
      // Holds the first request until the second arrives, then answers both in one message.
      onRequestHead: (head) => {
        heads.push(head);
        if (heads.length < 2) return;
        const answers = heads.map((request) =>
          encodeFrame({
            kind: "responseHead",
            streamId: request.streamId,
            status: 200,
            statusText: "OK",
            headers: [["content-type", "text/plain"]],
            body: new TextEncoder().encode(`batched:${new URL(request.url).pathname}`),
            endStream: true,
          }),
        );
        fake.socket.send(joinFrameBatch(answers));
      },
    });
    fakes.push(fake);
    const [first, second] = await Promise.all(
      ["/one", "/two"].map((path) => visit({ port: edge.port, hostname: tunnel.hostname, path })),
    );
    expect([first!.status, second!.status]).toEqual([200, 200]);
    expect([first!.body.toString("utf8"), second!.body.toString("utf8")]).toEqual([
      "batched:/one",
      "batched:/two",
    ]);
  });

  it("closes with 1007 a connection whose batch ends inside a frame, reading none of it", async () => {
    const tunnel = await mintQuickTunnel(edge);
    const fake = await attachFakeConnector(edge.url, tunnel);
    fakes.push(fake);
    const whole = encodeFrame({ kind: "end", streamId: 7 });
    const cut = encodeFrame({ kind: "reset", streamId: 8, code: 1, message: "cut short" });
    fake.socket.send(joinFrameBatch([whole, cut.subarray(0, cut.byteLength - 8)]));
    expect((await fake.closed).code).toBe(1007);
    expect(await serves(connector.hostname)).toBe(200);
  });

  it("closes a connection that sends a text message with 1002", async () => {
    const tunnel = await mintQuickTunnel(edge);
    const fake = await attachFakeConnector(edge.url, tunnel);
    fakes.push(fake);
    fake.socket.send("frames are binary");
    expect((await fake.closed).code).toBe(1002);
    expect(await serves(connector.hostname)).toBe(200);
  });

  it("closes a connection that sends a stream frame on stream 0 with 1002", async () => {
    const tunnel = await mintQuickTunnel(edge);
    const fake = await attachFakeConnector(edge.url, tunnel);
    fakes.push(fake);
    fake.send({ kind: "data", streamId: 0, bytes: new Uint8Array([1, 2, 3]) });
    expect((await fake.closed).code).toBe(1002);
    expect(await serves(connector.hostname)).toBe(200);
  });
});
