import { describe, expect, it } from "vitest";
import { ACCOUNT } from "./fixtures";
import { api, createNamed, TUNNELS } from "./helpers";

const AUDIT = `/accounts/${ACCOUNT}/audit_logs`;

interface AuditJson {
  id: string;
  action: { type: string };
  resource: { type: string; id: string; name: string | null };
  when: string;
  metadata: unknown;
}

async function tokenWith(scopes: string[]): Promise<string> {
  const created = await api<{ value: string }>("POST", `/accounts/${ACCOUNT}/tokens`, {
    name: "audit",
    scopes,
  });
  return created.body.result.value;
}

describe("audit_logs", () => {
  it("lists the account's events newest first with exact paging", async () => {
    const tunnel = await createNamed();
    await api("PATCH", `${TUNNELS}/${tunnel.id}`, { name: `${tunnel.name}-2` });
    const page = await api<AuditJson[]>("GET", `${AUDIT}?per_page=1`);
    expect(page.status).toBe(200);
    expect(page.body.result).toHaveLength(1);
    expect(page.body.result_info).toMatchObject({ page: 1, per_page: 1, count: 1 });
    const all = await api<AuditJson[]>("GET", `${AUDIT}?per_page=1000`);
    expect(page.body.result_info?.total_count).toBe(all.body.result.length);
    const mine = all.body.result.filter((entry) => entry.resource.id === tunnel.id);
    expect(mine[mine.length - 1]).toMatchObject({
      action: { type: "Created" },
      resource: { type: "cfd_tunnel", id: tunnel.id, name: `${tunnel.name}-2` },
      metadata: { name: tunnel.name, kind: "named" },
    });
    const times = all.body.result.map((entry) => Date.parse(entry.when));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("needs tunnels:read and this account", async () => {
    expect((await api("GET", AUDIT, undefined, null)).status).toBe(401);
    expect((await api("GET", AUDIT, undefined, await tokenWith(["dns:edit"]))).status).toBe(403);
    expect((await api("GET", AUDIT, undefined, await tokenWith(["tunnels:read"]))).status).toBe(
      200,
    );
    expect((await api("GET", AUDIT, undefined, await tokenWith(["tunnels:edit"]))).status).toBe(
      200,
    );
    const foreign = await api("GET", `/accounts/${"f".repeat(32)}/audit_logs`);
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors[0]?.code).toBe(10000);
  });

  it("refuses an order other than newest first", async () => {
    const answer = await api("GET", `${AUDIT}?direction=asc`);
    expect(answer.status).toBe(400);
  });
});
