import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Connector, startConnector, stopAllConnectors } from "@burrow/connector/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { type Origin, startOrigin } from "./harness/origin";
import { visit, visitorAgent } from "./harness/visitor";

/** The connector's inspector caps each captured body at 256 KiB (DEFAULT_MAX_BODY_BYTES). */
const CAPTURE_CAP_BYTES = 256 * 1024;
const BURROW = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../packages/connector/bin/burrow.mjs",
);
/** The API's operator token here, to create a named tunnel; and workers/api/wrangler.toml's ids. */
const ADMIN_TOKEN = "inspector-e2e-admin-token";
const ACCOUNT = "0000000000000000000000000000b055";
const ZONE = "000000000000000000000000000020e5";
/** How long a named tunnel's process may take to start (tsx compiles the CLI first). */
const START_MS = 45_000;
/** How long a test waits for something the connector records asynchronously. */
const WAIT_MS = 10_000;

interface NgrokRequest {
  id: string;
  uri: string;
  tunnel_name: string;
  remote_addr: string;
  start: string;
  duration: number;
  request: {
    method: string;
    proto: string;
    headers: Record<string, string[]>;
    uri: string;
    raw: string;
  };
  response: {
    status: string;
    status_code: number;
    proto: string;
    headers: Record<string, string[]>;
    raw: string;
  } | null;
  replay_of: string | null;
  burrow: {
    state: string;
    request_body: { size: number; captured: number; truncated: boolean };
    response_body: { size: number; captured: number; truncated: boolean } | null;
  };
}

/** The body of a base64 raw HTTP message (after the blank line). */
function rawBody(raw: string): string {
  const text = Buffer.from(raw, "base64").toString("utf8");
  return text.slice(text.indexOf("\r\n\r\n") + 4);
}

describe("the connector's request inspector (--inspect)", () => {
  // One connector for the block (useTunnelStack's has no inspector; its per-test ones restart).
  const stack = {} as { edge: TestEdge; origin: Origin };
  let connector: Connector;
  let inspector: URL;

  beforeAll(async () => {
    stack.edge = await startEdge({ vars: { "burrow-api": { ADMIN_TOKEN } } });
    stack.origin = await startOrigin();
    connector = await startConnector({
      edge: stack.edge.url,
      origin: stack.origin.url,
      args: ["--inspect", "127.0.0.1:0"],
    });
    const line = await connector.waitForLog(/inspector on (http:\/\/\S+)/);
    inspector = new URL(/inspector on (http:\/\/\S+)/.exec(line)![1]!);
  });
  afterAll(async () => {
    await stopAllConnectors();
    await stack.origin?.close();
    visitorAgent.destroy();
    await stack.edge?.dispose();
  });
  beforeEach(async () => {
    await fetch(new URL("/api/requests/http", inspector), { method: "DELETE" });
  });

  const send = (method: string, path: string, body?: string | Buffer, headers = {}) =>
    visit({
      port: stack.edge.port,
      hostname: connector.hostname,
      method,
      path,
      body,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    });

  async function list(): Promise<NgrokRequest[]> {
    const response = await fetch(new URL("/api/requests/http", inspector));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { uri: string; requests: NgrokRequest[] };
    expect(body.uri).toBe("/api/requests/http");
    return body.requests;
  }

  /** Polls the list until `done` holds: the connector records the end just after the visitor got it. */
  async function listUntil(done: (requests: NgrokRequest[]) => boolean): Promise<NgrokRequest[]> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const requests = await list();
      if (done(requests)) return requests;
      if (Date.now() > deadline)
        throw new Error(`inspector list never matched: ${JSON.stringify(requests)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function untilOriginSaw(path: string, count: number): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (stack.origin.seen.filter((seen) => seen.url === path).length < count) {
      if (Date.now() > deadline) throw new Error(`origin saw ${path} fewer than ${count} times`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const replay = (body: Record<string, unknown>, at: URL = inspector) =>
    fetch(new URL("/api/requests/http", at), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("lists requests through the tunnel, newest first, with ngrok's fields, headers and bodies", async () => {
    const secret = `webhook-secret-${Date.now()}`;
    const posted = await send("POST", "/upload?from=stripe", JSON.stringify({ event: secret }), {
      "x-signature": "t=1,v1=abc",
    });
    expect(posted.status).toBe(200);
    const fetched = await send("GET", "/echo-headers");
    expect(fetched.status).toBe(200);

    const requests = await listUntil(
      (all) => all.length === 2 && all.every((r) => r.burrow.state === "complete"),
    );
    const [get, post] = requests;
    expect(get!.request.uri).toBe("/echo-headers");
    expect(post!.request.method).toBe("POST");
    expect(post!.request.uri).toBe("/upload?from=stripe");
    expect(post!.request.proto).toBe("HTTP/1.1");
    expect(post!.tunnel_name).toBe(connector.hostname);
    expect(post!.uri).toBe(`/api/requests/http/${post!.id}`);
    expect(post!.remote_addr).toBe("127.0.0.1");
    expect(post!.duration).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(post!.start))).toBe(false);
    expect(post!.request.headers["X-Signature"]).toEqual(["t=1,v1=abc"]);
    expect(post!.request.headers["Content-Type"]).toEqual(["application/json"]);
    expect(JSON.parse(rawBody(post!.request.raw))).toEqual({ event: secret });
    expect(post!.response?.status_code).toBe(200);
    expect(post!.response?.status).toBe("200 OK");
    expect(post!.response?.headers["Content-Type"]).toEqual(["application/json"]);
    // The response body is what the origin answered the visitor.
    expect(rawBody(post!.response!.raw)).toBe(posted.body.toString("utf8"));
    expect(JSON.parse(rawBody(get!.response!.raw)).url).toBe("/echo-headers");

    const one = await fetch(new URL(`/api/requests/http/${post!.id}`, inspector));
    expect(one.status).toBe(200);
    expect(((await one.json()) as NgrokRequest).request.uri).toBe("/upload?from=stripe");
    // Bodies are never logged.
    expect(connector.logs()).not.toContain(secret);
  });

  it("replays a request straight to the origin, which receives it twice, and lists it as a replay", async () => {
    const path = "/echo-headers?replay=1";
    await send("GET", path, undefined, { "x-hook": "first" });
    const [original] = await listUntil((all) => all[0]?.burrow.state === "complete");

    const replayed = await replay({ id: original!.id, tunnel_name: original!.tunnel_name });
    expect(replayed.status).toBe(204);
    await untilOriginSaw(path, 2);
    const twice = stack.origin.seen.filter((seen) => seen.url === path);
    expect(twice[1]!.headers["x-hook"]).toBe("first");
    // The origin sees the replay as it saw the original: the visitor's Host and forwarding headers.
    expect(twice[1]!.headers.host).toBe(twice[0]!.headers.host);

    const requests = await listUntil(
      (all) => all.length === 2 && all[0]!.burrow.state === "complete",
    );
    expect(requests[0]!.replay_of).toBe(original!.id);
    expect(requests[0]!.id).toBe(replayed.headers.get("x-burrow-replay-id"));
    expect(requests[0]!.response?.status_code).toBe(200);
    expect(requests[1]!.replay_of).toBeNull();
  });

  it("replays with changes to the method, path, headers and body", async () => {
    await send("POST", "/upload", JSON.stringify({ n: 1 }));
    const [original] = await listUntil((all) => all[0]?.burrow.state === "complete");
    const body = JSON.stringify({ n: 2, changed: true });
    const replayed = await replay({
      id: original!.id,
      method: "PUT",
      path: "/upload?edited=1",
      headers: [
        ["host", `${connector.hostname}:${stack.edge.port}`],
        ["content-type", "application/json"],
        ["x-edited", "yes"],
      ],
      body,
    });
    expect(replayed.status).toBe(204);
    const [edited] = await listUntil(
      (all) => all.length === 2 && all[0]!.burrow.state !== "pending",
    );
    await untilOriginSaw("/upload?edited=1", 1);
    const seen = stack.origin.seen.find((request) => request.url === "/upload?edited=1")!;
    expect(seen.method).toBe("PUT");
    expect(seen.headers["x-edited"]).toBe("yes");
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    // The origin hashed the new body: its length comes back in the recorded response.
    expect(JSON.parse(rawBody(edited!.response!.raw)).length).toBe(Buffer.byteLength(body));
    expect(JSON.parse(rawBody(edited!.request.raw))).toEqual({ n: 2, changed: true });
  });

  it("captures a body only up to 256 KiB, says it is truncated, and refuses to replay it unchanged", async () => {
    const big = Buffer.alloc(CAPTURE_CAP_BYTES + 50_000, 0x61);
    const response = await send("POST", "/upload", big, { "content-type": "text/plain" });
    expect(JSON.parse(response.body.toString()).length).toBe(big.byteLength);
    const [request] = await listUntil((all) => all[0]?.burrow.state === "complete");
    expect(request!.burrow.request_body).toEqual({
      size: big.byteLength,
      captured: CAPTURE_CAP_BYTES,
      truncated: true,
    });
    const refused = await replay({ id: request!.id });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { msg: string }).msg).toMatch(/captured only up to/);
  });

  it("answers 404 in ngrok's error shape for an unknown id, to a read and to a replay", async () => {
    const read = await fetch(new URL("/api/requests/http/0123456789abcdef", inspector));
    expect(read.status).toBe(404);
    expect(await read.json()).toMatchObject({ status_code: 404, msg: "no such request" });
    expect((await replay({ id: "0123456789abcdef" })).status).toBe(404);
  });

  it("refuses a replay posted as a cross-site form would (not JSON)", async () => {
    await send("GET", "/echo-headers?form=1");
    const [original] = await listUntil((all) => all[0]?.burrow.state === "complete");
    const form = await fetch(new URL("/api/requests/http", inspector), {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ id: original!.id }),
    });
    expect(form.status).toBe(415);
    expect(stack.origin.seen.filter((seen) => seen.url === "/echo-headers?form=1")).toHaveLength(1);
  });

  it("clears every request on DELETE", async () => {
    await send("GET", "/echo-headers?clear=1");
    await listUntil((all) => all.length === 1);
    const cleared = await fetch(new URL("/api/requests/http", inspector), { method: "DELETE" });
    expect(cleared.status).toBe(204);
    expect(await list()).toEqual([]);
  });

  it("is off for `tunnel run` unless --inspect is given, and then records and replays its requests", async () => {
    const api = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(new URL(`/client/v4${route}`, stack.edge.url), {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: each call reads the fields of its own result.
      const envelope = (await response.json()) as { success: boolean; result: any };
      if (!envelope.success) throw new Error(`${method} ${route}: ${JSON.stringify(envelope)}`);
      return envelope.result;
    };
    const tunnel = await api("POST", `/accounts/${ACCOUNT}/cfd_tunnel`, { name: "inspected" });
    await api("PUT", `/zones/${ZONE}/tunnels/${tunnel.id}/routes`, {
      type: "dns",
      user_hostname: "inspected.localhost",
      overwrite_existing: false,
    });
    const claims = JSON.parse(Buffer.from(tunnel.token, "base64").toString("utf8"));
    const token = Buffer.from(JSON.stringify({ ...claims, e: stack.edge.url.origin })).toString(
      "base64",
    );
    const home = mkdtempSync(path.join(os.tmpdir(), "burrow-inspect-"));
    const children: ChildProcess[] = [];
    const run = (extra: string[]) => {
      const child = spawn(
        process.execPath,
        [
          BURROW,
          "tunnel",
          "run",
          "--token",
          token,
          "--url",
          stack.origin.url.href,
          "--metrics",
          "127.0.0.1:0",
          "--ha-connections",
          "1",
          ...extra,
        ],
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, HOME: home, TUNNEL_TOKEN: "" },
        },
      );
      children.push(child);
      let output = "";
      child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
      const registered = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not registered: ${output}`)), START_MS);
        child.stderr!.on("data", () => {
          if (/Registered tunnel connection/.test(output)) {
            clearTimeout(timer);
            resolve(output);
          }
        });
      });
      return registered;
    };
    try {
      const plain = await run([]);
      expect(plain).not.toMatch(/inspector on/);
      children.shift()!.kill("SIGKILL");

      const logs = await run(["--inspect", "127.0.0.1:0"]);
      const named = new URL(/inspector on (http:\/\/\S+)/.exec(logs)![1]!);
      const url = "/echo-headers?named=1";
      const answer = await visit({
        port: stack.edge.port,
        hostname: "inspected.localhost",
        path: url,
      });
      expect(answer.status).toBe(200);
      const listed = async () =>
        (
          (await (await fetch(new URL("/api/requests/http", named))).json()) as {
            requests: NgrokRequest[];
          }
        ).requests;
      const deadline = Date.now() + WAIT_MS;
      let requests = await listed();
      while (requests[0]?.burrow.state !== "complete" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        requests = await listed();
      }
      expect(requests[0]!.request.uri).toBe(url);
      expect(requests[0]!.tunnel_name).toBe(tunnel.id);
      expect((await replay({ id: requests[0]!.id }, named)).status).toBe(204);
      await untilOriginSaw(url, 2);
    } finally {
      for (const child of children) child.kill("SIGKILL");
      rmSync(home, { recursive: true, force: true });
    }
  });
});
