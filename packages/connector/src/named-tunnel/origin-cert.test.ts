import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../connector-error";
import {
  decodeOriginCert,
  defaultOriginCertPath,
  encodeOriginCert,
  findOriginCert,
  type OriginCert,
  readOriginCert,
  writeOriginCert,
} from "./origin-cert";

const CERT: OriginCert = {
  zoneID: "000000000000000000000000000020e5",
  accountID: "0000000000000000000000000000b055",
  apiToken: "a-token",
  endpoint: "http://127.0.0.1:8787/client/v4",
};

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), "burrow-cert-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("cert.pem encoding", () => {
  it("round-trips zoneID, accountID, apiToken and endpoint through one ARGO TUNNEL TOKEN block", () => {
    const pem = encodeOriginCert(CERT);
    expect(pem.startsWith("-----BEGIN ARGO TUNNEL TOKEN-----\n")).toBe(true);
    expect(pem.endsWith("-----END ARGO TUNNEL TOKEN-----\n")).toBe(true);
    // Go's encoding/pem wraps at 64 columns.
    for (const line of pem.split("\n").slice(1, -2)) expect(line.length).toBeLessThanOrEqual(64);
    expect(decodeOriginCert(pem)).toEqual({ ok: true, cert: CERT });
  });

  it("reads a cloudflared certificate without endpoint and ignores its old key and certificate blocks", () => {
    const body = Buffer.from(
      JSON.stringify({ zoneID: "z", accountID: "a", apiToken: "t", serviceKey: "old" }),
    ).toString("base64");
    const pem = `-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN ARGO TUNNEL TOKEN-----\n${body}\n-----END ARGO TUNNEL TOKEN-----\n`;
    expect(decodeOriginCert(pem)).toEqual({
      ok: true,
      cert: { zoneID: "z", accountID: "a", apiToken: "t" },
    });
  });

  it("refuses a missing token, two tokens, an unknown block and a token without accountID", () => {
    const token = encodeOriginCert(CERT);
    expect(decodeOriginCert("nothing")).toEqual({
      ok: false,
      reason: "missing token in the certificate",
    });
    expect(decodeOriginCert(token + token)).toEqual({
      ok: false,
      reason: "found multiple tokens in the certificate",
    });
    expect(decodeOriginCert(`-----BEGIN FOO-----\nAA\n-----END FOO-----\n${token}`)).toEqual({
      ok: false,
      reason: "unknown block FOO in the certificate",
    });
    const noAccount = encodeOriginCert({ ...CERT, accountID: "" });
    expect(decodeOriginCert(noAccount)).toEqual({
      ok: false,
      reason: "the token has no accountID",
    });
  });
});

describe("cert.pem on disk", () => {
  it("writes ~/.cloudflared/cert.pem owner-only in an owner-only directory, and reads it back", async () => {
    const file = defaultOriginCertPath(home);
    expect(file).toBe(path.join(home, ".cloudflared", "cert.pem"));
    await writeOriginCert(file, CERT);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readOriginCert(file)).toEqual(CERT);
  });

  it("refuses to overwrite an existing certificate, in cloudflared's words", async () => {
    const file = defaultOriginCertPath(home);
    await writeOriginCert(file, CERT);
    const error = await writeOriginCert(file, { ...CERT, apiToken: "other" }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toBe(
      `You have an existing certificate at ${file} which login would overwrite.`,
    );
    expect((await readOriginCert(file)).apiToken).toBe("a-token");
  });

  it("finds cert.pem in cloudflared's directories in order, and an explicit path first", async () => {
    await expect(findOriginCert(undefined, home)).rejects.toThrow(
      /cannot find an origin certificate/,
    );
    const warp = path.join(home, ".cloudflare-warp", "cert.pem");
    await mkdir(path.dirname(warp), { recursive: true });
    await writeFile(warp, encodeOriginCert(CERT));
    expect(await findOriginCert(undefined, home)).toBe(warp);
    const primary = defaultOriginCertPath(home);
    await writeOriginCert(primary, CERT);
    expect(await findOriginCert(undefined, home)).toBe(primary);
    expect(await findOriginCert("~/.cloudflare-warp/cert.pem", home)).toBe(warp);
    await expect(findOriginCert(path.join(home, "nope.pem"), home)).rejects.toThrow(
      /no origin certificate at/,
    );
  });

  it("explains a file that is not an origin certificate", async () => {
    const file = path.join(home, "cert.pem");
    await writeFile(file, "hello");
    const error = await readOriginCert(file).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.explain()).toMatch(/not a usable origin certificate\n {2}why: missing token/);
    expect(await readFile(file, "utf8")).toBe("hello");
  });
});
