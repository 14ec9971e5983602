import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit, listAudit } from "../src";
import { T0 } from "./fixtures";

const db = env.DB;

describe("audit log", () => {
  it("appends entries and lists them oldest first with parsed detail", async () => {
    const tunnelId = crypto.randomUUID();
    await appendAudit(db, tunnelId, "Registered", { colo: "AMS", connectorId: "c1" }, T0 + 2);
    await appendAudit(db, tunnelId, "Created", undefined, T0 + 1);

    expect(await listAudit(db, tunnelId)).toEqual([
      { id: expect.any(Number), tunnelId, event: "Created", detail: null, at: T0 + 1 },
      {
        id: expect.any(Number),
        tunnelId,
        event: "Registered",
        detail: { colo: "AMS", connectorId: "c1" },
        at: T0 + 2,
      },
    ]);
  });

  it("keeps entries for a tunnel id that has no tunnel row", async () => {
    // audit_log has no foreign key, so the trail of a deleted tunnel stays readable.
    const tunnelId = crypto.randomUUID();
    await appendAudit(db, tunnelId, "Deleted", null, T0);
    expect(await listAudit(db, tunnelId)).toHaveLength(1);
  });
});
