import { describe, expect, it } from "vitest";
import { ACCOUNT } from "./fixtures";
import { api, createNamed, TUNNELS } from "./helpers";

async function newToken(scopes: string[]): Promise<string> {
  const created = await api<{ value: string }>("POST", `/accounts/${ACCOUNT}/tokens`, {
    name: "request-log",
    scopes,
  });
  expect(created.status).toBe(200);
  return created.body.result.value;
}

interface RequestsJson {
  capture_enabled: boolean;
  requests: Array<Record<string, unknown>>;
  next_before: string | null;
}

describe("the request log at /cfd_tunnel/{id}/requests", () => {
  it("answers an empty log with capture off for a tunnel that has had no traffic", async () => {
    const tunnel = await createNamed();
    const page = await api<RequestsJson>("GET", `${TUNNELS}/${tunnel.id}/requests`);
    expect(page.status).toBe(200);
    expect(page.contentType).toBe("application/json");
    expect(page.body.result).toEqual({ capture_enabled: false, requests: [], next_before: null });
    const traffic = await api<{ minutes: number; per_minute: unknown[] }>(
      "GET",
      `${TUNNELS}/${tunnel.id}/traffic?minutes=60`,
    );
    expect(traffic.body.result).toEqual({ minutes: 60, per_minute: [] });
  });

  it("turns capture on and off with tunnels:edit and refuses it with tunnels:read only", async () => {
    const tunnel = await createNamed();
    const reader = await newToken(["tunnels:read"]);
    const editor = await newToken(["tunnels:edit"]);
    const path = `${TUNNELS}/${tunnel.id}/requests/capture`;
    const refused = await api("PUT", path, { enabled: true }, reader);
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]?.message).toContain("tunnels:edit");
    const on = await api<{ capture_enabled: boolean }>("PUT", path, { enabled: true }, editor);
    expect(on.body.result).toEqual({ capture_enabled: true });
    // tunnels:read sees the state it may not change.
    const read = await api<RequestsJson>(
      "GET",
      `${TUNNELS}/${tunnel.id}/requests`,
      undefined,
      reader,
    );
    expect(read.status).toBe(200);
    expect(read.body.result.capture_enabled).toBe(true);
    const off = await api<{ capture_enabled: boolean }>("PUT", path, { enabled: false }, editor);
    expect(off.body.result).toEqual({ capture_enabled: false });
    const invalid = await api("PUT", path, { enabled: "yes" }, editor);
    expect(invalid.status).toBe(400);
  });

  it("refuses a token without a tunnels scope, another account, and an unknown tunnel", async () => {
    const tunnel = await createNamed();
    const vpcOnly = await newToken(["vpc:read"]);
    expect((await api("GET", `${TUNNELS}/${tunnel.id}/requests`, undefined, vpcOnly)).status).toBe(
      403,
    );
    expect((await api("GET", `${TUNNELS}/${tunnel.id}/traffic`, undefined, vpcOnly)).status).toBe(
      403,
    );
    expect((await api("GET", `${TUNNELS}/${tunnel.id}/requests`, undefined, null)).status).toBe(
      401,
    );
    const foreign = `/accounts/${"f".repeat(32)}/cfd_tunnel/${tunnel.id}`;
    expect((await api("GET", `${foreign}/requests`)).status).toBe(403);
    expect((await api("PUT", `${foreign}/requests/capture`, { enabled: true })).status).toBe(403);
    expect((await api("GET", `${foreign}/traffic`)).status).toBe(403);
    const missing = await api("GET", `${TUNNELS}/${crypto.randomUUID()}/requests`);
    expect(missing.status).toBe(404);
  });

  it("refuses a deleted tunnel's log and bad paging parameters", async () => {
    const tunnel = await createNamed();
    for (const query of ["limit=0", "limit=5000", "before=abc", "after=-1"]) {
      const answer = await api("GET", `${TUNNELS}/${tunnel.id}/requests?${query}`);
      expect(answer.status, query).toBe(400);
    }
    expect((await api("GET", `${TUNNELS}/${tunnel.id}/traffic?minutes=0`)).status).toBe(400);
    expect((await api("DELETE", `${TUNNELS}/${tunnel.id}`)).status).toBe(200);
    expect((await api("GET", `${TUNNELS}/${tunnel.id}/requests`)).status).toBe(404);
  });
});
