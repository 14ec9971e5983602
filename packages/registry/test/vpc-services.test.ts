import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createTunnel,
  createVpcService,
  deleteVpcService,
  getVpcService,
  listAudit,
  listVpcServices,
  TunnelNotFoundError,
  updateVpcService,
  type VpcServiceConfig,
  VpcServiceNameTakenError,
} from "../src";
import { newTunnel, T0 } from "./fixtures";

const db = env.DB;

function hostnameService(name: string, tunnelId: string): VpcServiceConfig {
  return {
    type: "http",
    name,
    http_port: 80,
    https_port: 443,
    host: {
      hostname: "internal.example.lan",
      resolver_network: { tunnel_id: tunnelId, resolver_ips: ["10.0.0.53"] },
    },
    tls_settings: { cert_verification_mode: "verify_ca" },
  };
}

describe("VPC services", () => {
  it("stores, reads, lists, updates and deletes a service, auditing each change", async () => {
    const tunnel = newTunnel({ kind: "named" });
    const otherTunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel);
    await createTunnel(db, otherTunnel);
    const id = crypto.randomUUID();

    const created = await createVpcService(db, {
      id,
      config: hostnameService("private-api", tunnel.id),
      createdAt: T0,
    });
    expect(created).toEqual({
      id,
      name: "private-api",
      type: "http",
      tunnelId: tunnel.id,
      config: hostnameService("private-api", tunnel.id),
      createdAt: T0,
      updatedAt: T0,
    });
    expect(await getVpcService(db, id)).toEqual(created);
    expect(await listVpcServices(db)).toEqual([created]);

    const ipConfig: VpcServiceConfig = {
      type: "http",
      name: "private-api-v2",
      http_port: 8080,
      host: { ipv4: "10.0.0.7", network: { tunnel_id: otherTunnel.id } },
    };
    const updated = await updateVpcService(db, id, ipConfig, T0 + 1);
    expect(updated).toEqual({
      ...created,
      name: "private-api-v2",
      tunnelId: otherTunnel.id,
      config: ipConfig,
      updatedAt: T0 + 1,
    });
    expect(await getVpcService(db, id)).toEqual(updated);

    expect(await deleteVpcService(db, id, T0 + 2)).toBe(true);
    expect(await getVpcService(db, id)).toBeNull();
    expect(await deleteVpcService(db, id, T0 + 3)).toBe(false);

    expect((await listAudit(db, tunnel.id)).map((entry) => entry.event)).toEqual([
      "Created",
      "VPC service created",
    ]);
    expect((await listAudit(db, otherTunnel.id)).map((entry) => entry.event)).toEqual([
      "Created",
      "VPC service updated",
      "VPC service deleted",
    ]);
  });

  it("refuses a second service with the same name and keeps the first", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel);
    const first = await createVpcService(db, {
      id: crypto.randomUUID(),
      config: hostnameService("unique-name", tunnel.id),
      createdAt: T0,
    });

    const secondId = crypto.randomUUID();
    await expect(
      createVpcService(db, {
        id: secondId,
        config: hostnameService("unique-name", tunnel.id),
        createdAt: T0,
      }),
    ).rejects.toBeInstanceOf(VpcServiceNameTakenError);
    expect(await getVpcService(db, secondId)).toBeNull();
    expect(await getVpcService(db, first.id)).toEqual(first);
    expect(
      (await listAudit(db, tunnel.id)).filter((entry) => entry.event === "VPC service created"),
    ).toHaveLength(1);
  });

  it("refuses a service whose tunnel does not exist", async () => {
    const tunnelId = crypto.randomUUID();
    await expect(
      createVpcService(db, {
        id: crypto.randomUUID(),
        config: hostnameService("nowhere", tunnelId),
        createdAt: T0,
      }),
    ).rejects.toBeInstanceOf(TunnelNotFoundError);
    expect(await listAudit(db, tunnelId)).toEqual([]);
  });

  it("returns null when updating a service that does not exist, writing nothing", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel);

    expect(
      await updateVpcService(db, crypto.randomUUID(), hostnameService("ghost", tunnel.id), T0),
    ).toBeNull();
    expect((await listAudit(db, tunnel.id)).map((entry) => entry.event)).toEqual(["Created"]);
  });
});
