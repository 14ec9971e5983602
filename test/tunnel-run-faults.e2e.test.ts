import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import {
  ACCOUNT,
  adminApi,
  type NamedOrigin,
  namedOrigin,
  readyConnections,
  routedNamedTunnel,
  running,
  spawnBurrow,
  until,
} from "./harness/named-run";
import { visit } from "./harness/visitor";

const ADMIN_TOKEN = "tunnel-run-faults-e2e-admin-token";

interface Outcome {
  startedAt: number;
  endedAt: number;
  status: number;
  body: string;
}

type Connectors = Array<{ id: string; config_version: number; conns: Array<{ id: string }> }>;

describe("burrow tunnel run under faults", () => {
  let edge: TestEdge;
  let stateDir: string;
  let home: string;
  let origin: NamedOrigin;
  const api = adminApi(() => edge, ADMIN_TOKEN);
  const vars = { "burrow-api": { ADMIN_TOKEN } };

  const namedTunnel = (name: string, hostname: string) =>
    routedNamedTunnel({ api, edge, home, originUrl: origin.url }, name, hostname);
  const connectors = (tunnelId: string) =>
    api("GET", `/accounts/${ACCOUNT}/cfd_tunnel/${tunnelId}/connections`) as Promise<Connectors>;
  const get = async (hostname: string, pathname: string, method = "GET"): Promise<Outcome> => {
    const startedAt = Date.now();
    const body = method === "POST" ? "not idempotent" : undefined;
    const page = await visit({ port: edge.port, hostname, path: pathname, method, body }).catch(
      (error) => ({
        status: 0,
        body: Buffer.from(String(error)),
      }),
    );
    return { startedAt, endedAt: Date.now(), status: page.status, body: page.body.toString() };
  };
  /** `workers` loops of GETs until `stop` says so, at most `limit` requests each. */
  const steadyLoad = (hostname: string, stop: () => boolean, workers = 4, limit = 2_000) => {
    const outcomes: Outcome[] = [];
    const done = Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        for (let n = 0; n < limit && !stop(); n++) {
          outcomes.push(await get(hostname, `/load/${worker}/${n}`));
        }
      }),
    );
    return { outcomes, done };
  };

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), "burrow-faults-state-"));
    home = mkdtempSync(path.join(os.tmpdir(), "burrow-faults-"));
    edge = await startEdge({ vars, persistTo: stateDir });
    origin = await namedOrigin("O");
  });

  afterAll(async () => {
    for (const connector of running) connector.child.kill("SIGKILL");
    await origin?.close();
    await edge?.dispose();
    rmSync(home, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("reports the remote configuration version each connector applies as config_version in /connections", async () => {
    const tunnel = await api("POST", `/accounts/${ACCOUNT}/cfd_tunnel`, {
      name: "versioned",
      config_src: "cloudflare",
    });
    const put = (status: number) =>
      api("PUT", `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}/configurations`, {
        config: { ingress: [{ service: `http_status:${status}` }] },
      });
    const v1 = await put(404);
    const claims = JSON.parse(Buffer.from(tunnel.token, "base64").toString("utf8"));
    const token = Buffer.from(JSON.stringify({ ...claims, e: edge.url.origin })).toString("base64");
    const connector = await spawnBurrow(
      ["tunnel", "run", "--token", token, "--metrics", "127.0.0.1:0", "--ha-connections", "2"],
      home,
    );
    await until(async () => (await readyConnections(connector)) === 2, 30_000, "2 connections");
    const first = await until(
      async () => {
        const list = await connectors(tunnel.id);
        return list[0]?.conns.length === 2 ? list : null;
      },
      10_000,
      "2 connections in /connections",
    );
    expect(first[0]!.config_version).toBe(v1.version);

    const v2 = await put(410);
    const second = await until(
      async () => {
        const list = await connectors(tunnel.id);
        return list[0]?.config_version === v2.version ? list : null;
      },
      15_000,
      `config_version ${v2.version} in /connections`,
    );
    expect(second).toHaveLength(1);
    expect(v2.version).toBeGreaterThan(v1.version);
    connector.child.kill("SIGTERM");
    await connector.exited;
  });

  it("fails only the requests in flight on a cut connection, promptly, while the other three serve and it reconnects", async () => {
    const hostname = "cut.localhost";
    const tunnel = await namedTunnel("cut", hostname);
    const connector = await tunnel.run();
    await until(async () => (await readyConnections(connector)) === 4, 30_000, "4 connections");
    const [only] = await until(
      async () => {
        const list = await connectors(tunnel.id);
        return list[0]?.conns.length === 4 ? list : null;
      },
      10_000,
      "4 connections in /connections",
    );
    const victim = only!.conns[1]!.id;

    // Eight held requests, started one by one: the DO spreads new streams round-robin, so each
    // connection carries one held GET and one held POST.
    const held: Array<Promise<Outcome>> = [];
    for (let n = 0; n < 8; n++) {
      held.push(get(hostname, `/hold/${n}`, n < 4 ? "GET" : "POST"));
      await until(async () => origin.held() === n + 1, 10_000, `held request ${n}`);
    }

    let stopping = false;
    const load = steadyLoad(hostname, () => stopping);
    await until(async () => load.outcomes.length >= 50, 20_000, "load before the cut");
    const cutAt = Date.now();
    await api(
      "DELETE",
      `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}/connections?connection_id=${victim}`,
    );
    const cutDone = Date.now();

    // The cut connection's held POST fails while the origin still holds every request: it does
    // not hang. Its held GET (bodiless, no answer yet) is sent again on another connection.
    const settled: Outcome[] = [];
    for (const request of held) void request.then((outcome) => settled.push(outcome));
    await until(async () => settled.length >= 1, 10_000, "the cut connection's held POST");
    await until(async () => origin.held() === 9, 10_000, "the cut connection's GET, sent again");
    expect(settled).toHaveLength(1);
    expect(settled[0]!.status).toBe(502);
    expect(settled[0]!.body).toMatch(/origin|connector|tunnel/i);

    await until(async () => (await readyConnections(connector)) === 4, 40_000, "reconnected");
    stopping = true;
    await load.done;
    origin.release();
    const heldOutcomes = await Promise.all(held);
    expect(heldOutcomes.filter((outcome) => outcome.status === 200)).toHaveLength(7);

    const failed = load.outcomes.filter((outcome) => outcome.status !== 200);
    const afterCut = load.outcomes.filter((outcome) => outcome.startedAt > cutDone);
    expect(afterCut.length).toBeGreaterThan(0);
    expect(afterCut.filter((outcome) => outcome.status !== 200)).toEqual([]);
    // A failed load request was in flight when the cut landed, and it failed rather than hung.
    for (const outcome of failed) {
      expect(outcome.startedAt).toBeLessThanOrEqual(cutDone);
      expect(outcome.status).toBe(502);
    }
    expect(connector.logs()).toMatch(/Retrying connection 1 in up to/);
    console.log(
      `cut one of 4 connections: ${load.outcomes.length} load requests, ${failed.length} failed (in flight at the cut), the held POST failed ${settled[0]!.endedAt - cutAt} ms after the cut`,
    );
    connector.child.kill("SIGTERM");
    await connector.exited;
  });

  it("serves every new request from the surviving replica once one is SIGKILLed", async () => {
    const hostname = "replicas.localhost";
    const tunnel = await namedTunnel("replicas", hostname);
    const a = await tunnel.run("--ha-connections", "2");
    const b = await tunnel.run("--ha-connections", "2");
    await until(async () => (await readyConnections(a)) === 2, 30_000, "replica a");
    await until(async () => (await readyConnections(b)) === 2, 30_000, "replica b");
    await until(
      async () => (await connectors(tunnel.id)).length === 2,
      10_000,
      "2 connectors in /connections",
    );

    let stopping = false;
    const load = steadyLoad(hostname, () => stopping);
    await until(async () => load.outcomes.length >= 50, 20_000, "load before the kill");
    const killedAt = Date.now();
    a.child.kill("SIGKILL");
    await a.exited;
    // Bounded: a few seconds of load after the kill.
    await until(
      async () => load.outcomes.filter((o) => o.startedAt > killedAt).length >= 200,
      30_000,
      "load after the kill",
    );
    stopping = true;
    await load.done;

    const firstSuccess = load.outcomes
      .filter((o) => o.startedAt > killedAt && o.status === 200)
      .sort((x, y) => x.endedAt - y.endedAt)[0]!;
    const after = load.outcomes.filter((o) => o.startedAt > firstSuccess.endedAt);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((o) => o.status !== 200)).toEqual([]);
    const failedAroundKill = load.outcomes.filter((o) => o.status !== 200).length;
    console.log(
      `replica SIGKILL: first failed-over request answered ${firstSuccess.endedAt - killedAt} ms after the kill; ${failedAroundKill} failed before it`,
    );
    b.child.kill("SIGTERM");
    await b.exited;
  });

  it("reconnects every connection to an edge restarted on the same port with the hostname routes unchanged", async () => {
    const hostname = "restart.localhost";
    const tunnel = await namedTunnel("restart", hostname);
    const connector = await tunnel.run();
    await until(async () => (await readyConnections(connector)) === 4, 30_000, "4 connections");
    expect(await get(hostname, "/before")).toMatchObject({ status: 200, body: "O /before" });

    const port = edge.port;
    await edge.dispose();
    await until(async () => (await readyConnections(connector)) === 0, 20_000, "connections down");
    edge = await startEdge({ vars, persistTo: stateDir, port });
    await until(async () => (await readyConnections(connector)) === 4, 90_000, "4 reconnected");
    expect(await get(hostname, "/after")).toMatchObject({ status: 200, body: "O /after" });
    const list = await until(
      async () => {
        const found = await connectors(tunnel.id);
        return found[0]?.conns.length === 4 ? found : null;
      },
      10_000,
      "4 connections in /connections",
    );
    expect(list).toHaveLength(1);
    connector.child.kill("SIGTERM");
    await connector.exited;
  });

  it("stops with exit 1 and says the credentials were refused when the tunnel secret is rotated", async () => {
    const tunnel = await namedTunnel("rotated", "rotated.localhost");
    const connector = await tunnel.run("--ha-connections", "2");
    await until(async () => (await readyConnections(connector)) === 2, 30_000, "2 connections");
    await api("PATCH", `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}`, {
      tunnel_secret: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(await connector.exited).toBe(1);
    expect(connector.logs()).toContain("the edge refused the tunnel credentials");
    expect(connector.logs()).toContain("secret may have been rotated");
  });

  it("stops with exit 1 and says tunnel deleted when the tunnel is deleted under it", async () => {
    const tunnel = await namedTunnel("doomed", "doomed.localhost");
    const connector = await tunnel.run("--ha-connections", "2");
    await until(async () => (await readyConnections(connector)) === 2, 30_000, "2 connections");
    await api("DELETE", `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}?cascade=true`);
    expect(await connector.exited).toBe(1);
    expect(connector.logs()).toContain("tunnel deleted");
    expect(connector.logs()).not.toContain("quick tunnel");
  });
});
