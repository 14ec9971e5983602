import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import type { Target } from "@burrow/wire";
import { afterAll, describe, expect, it } from "vitest";
import { VpcTls } from "./tls";

const dir = mkdtempSync(path.join(tmpdir(), "burrow-vpc-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target = (certVerification: Target["certVerification"], serverName = "api.internal") => ({
  address: "10.0.0.5",
  port: 443,
  tls: true,
  serverName,
  certVerification,
});

describe("VpcTls", () => {
  it("checks chain and name for full, the chain only for ca, nothing for none", () => {
    const vpcTls = new VpcTls();
    const full = vpcTls.requestOptions(target("full"));
    const ca = vpcTls.requestOptions(target("ca"));
    const none = vpcTls.requestOptions(target("none"));
    expect([full.rejectUnauthorized, ca.rejectUnauthorized, none.rejectUnauthorized]).toEqual([
      true,
      true,
      false,
    ]);
    expect(full.servername).toBe("api.internal");
    // A certificate for another name: only full objects.
    const other = { subject: { CN: "other.internal" }, subjectaltname: "DNS:other.internal" };
    expect(full.checkServerIdentity?.("10.0.0.5", other as never)).toBeInstanceOf(Error);
    expect(ca.checkServerIdentity?.("10.0.0.5", other as never)).toBeUndefined();
    // Separate agents, so a socket or TLS session made under ca never serves full.
    expect(new Set([full.agent, ca.agent, none.agent]).size).toBe(3);
    vpcTls.destroy();
  });

  it("sends no SNI for an IP server name and unwraps bracketed IPv6", () => {
    const vpcTls = new VpcTls();
    expect(vpcTls.requestOptions(target("full", "10.0.0.5")).servername).toBeUndefined();
    expect(vpcTls.requestOptions(target("full", "[fd00::5]")).servername).toBeUndefined();
    vpcTls.destroy();
  });

  it("trusts Node's default CAs plus --vpc-ca-file", () => {
    const file = path.join(dir, "ca.pem");
    writeFileSync(file, tls.rootCertificates[0]!);
    const vpcTls = VpcTls.fromCaFile(file);
    expect(vpcTls.requestOptions(target("full")).secureContext).toBeDefined();
    expect(new VpcTls().requestOptions(target("full")).secureContext).toBeUndefined();
    vpcTls.destroy();
  });

  it("rejects a missing, empty or malformed --vpc-ca-file with a fix", () => {
    expect(() => VpcTls.fromCaFile(path.join(dir, "missing.pem"))).toThrow(
      /cannot read --vpc-ca-file/,
    );
    const empty = path.join(dir, "empty.pem");
    writeFileSync(empty, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    expect(() => VpcTls.fromCaFile(empty)).toThrow(/bad --vpc-ca-file/);
    const broken = path.join(dir, "broken.pem");
    writeFileSync(broken, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    expect(() => VpcTls.fromCaFile(broken)).toThrow(/bad --vpc-ca-file/);
  });
});
