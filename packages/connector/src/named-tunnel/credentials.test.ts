import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../connector-error";
import {
  decodeTunnelToken,
  encodeTunnelToken,
  parseTunnelToken,
  readTunnelCredentials,
  type TunnelCredentials,
  tunnelCredentialsPath,
  writeTunnelCredentials,
} from "./credentials";

const CREDENTIALS: TunnelCredentials = {
  accountTag: "0000000000000000000000000000b055",
  tunnelSecret: randomBytes(32).toString("base64"),
  tunnelId: randomUUID(),
  endpoint: "http://127.0.0.1:8787",
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "burrow-cred-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("credentials file", () => {
  it("writes <uuid>.json with mode 0400 and exactly cloudflared's keys, in its order", async () => {
    const file = tunnelCredentialsPath(dir, CREDENTIALS.tunnelId);
    expect(path.basename(file)).toBe(`${CREDENTIALS.tunnelId}.json`);
    await writeTunnelCredentials(file, CREDENTIALS);
    expect((await stat(file)).mode & 0o777).toBe(0o400);
    const json = JSON.parse(await readFile(file, "utf8"));
    expect(Object.keys(json)).toEqual(["AccountTag", "TunnelSecret", "TunnelID", "Endpoint"]);
    expect(json).toEqual({
      AccountTag: CREDENTIALS.accountTag,
      TunnelSecret: CREDENTIALS.tunnelSecret,
      TunnelID: CREDENTIALS.tunnelId,
      Endpoint: CREDENTIALS.endpoint,
    });
    expect(await readTunnelCredentials(file)).toEqual(CREDENTIALS);
  });

  it("never overwrites an existing file", async () => {
    const file = path.join(dir, "creds.json");
    await writeFile(file, "keep");
    const error = await writeTunnelCredentials(file, CREDENTIALS).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toBe(`${file} already exists`);
    expect(await readFile(file, "utf8")).toBe("keep");
  });

  it("reads cloudflared's own file, which has no Endpoint (and may have TunnelName)", async () => {
    const file = path.join(dir, "cf.json");
    const { endpoint: _, ...withoutEndpoint } = CREDENTIALS;
    await writeFile(
      file,
      JSON.stringify({
        AccountTag: CREDENTIALS.accountTag,
        TunnelSecret: CREDENTIALS.tunnelSecret,
        TunnelID: CREDENTIALS.tunnelId.toUpperCase(),
        TunnelName: "web",
      }),
    );
    expect(await readTunnelCredentials(file)).toEqual(withoutEndpoint);
  });

  it("says cert.pem is not a credentials file, and names a missing secret", async () => {
    const pem = path.join(dir, "cert.pem");
    await writeFile(pem, "-----BEGIN ARGO TUNNEL TOKEN-----\n");
    await expect(readTunnelCredentials(pem)).rejects.toMatchObject({
      why: expect.stringContaining("should be .json but you gave a .pem"),
    });
    const short = path.join(dir, "short.json");
    await writeFile(
      short,
      JSON.stringify({ AccountTag: "a", TunnelSecret: "c2hvcnQ=", TunnelID: CREDENTIALS.tunnelId }),
    );
    await expect(readTunnelCredentials(short)).rejects.toMatchObject({
      why: "no tunnel secret (base64 of at least 32 bytes)",
    });
    await expect(readTunnelCredentials(path.join(dir, "missing.json"))).rejects.toThrow(
      /couldn't read tunnel credentials/,
    );
  });

  it("refuses keys in another case than cloudflared's (accountTag for AccountTag)", async () => {
    const file = path.join(dir, "lower.json");
    await writeFile(
      file,
      JSON.stringify({
        accountTag: CREDENTIALS.accountTag,
        TunnelSecret: CREDENTIALS.tunnelSecret,
        TunnelID: CREDENTIALS.tunnelId,
      }),
    );
    await expect(readTunnelCredentials(file)).rejects.toMatchObject({ why: "no account tag" });
  });
});

describe("tunnel token", () => {
  it("is standard base64 of {a, t, s, e} and round-trips", () => {
    const token = encodeTunnelToken(CREDENTIALS);
    expect(JSON.parse(Buffer.from(token, "base64").toString("utf8"))).toEqual({
      a: CREDENTIALS.accountTag,
      t: CREDENTIALS.tunnelId,
      s: CREDENTIALS.tunnelSecret,
      e: CREDENTIALS.endpoint,
    });
    expect(parseTunnelToken(token)).toEqual(CREDENTIALS);
  });

  it("reads a cloudflared token without e", () => {
    const token = Buffer.from(
      JSON.stringify({ a: "acct", t: CREDENTIALS.tunnelId, s: CREDENTIALS.tunnelSecret }),
    ).toString("base64");
    expect(decodeTunnelToken(token)).toEqual({
      ok: true,
      credentials: {
        accountTag: "acct",
        tunnelId: CREDENTIALS.tunnelId,
        tunnelSecret: CREDENTIALS.tunnelSecret,
      },
    });
  });

  it("refuses junk, JSON that is not a token, and a token whose t is not a UUID", () => {
    expect(decodeTunnelToken("not base64!")).toMatchObject({ ok: false });
    expect(decodeTunnelToken(Buffer.from("[]").toString("base64"))).toMatchObject({ ok: false });
    const badId = Buffer.from(
      JSON.stringify({ a: "a", t: "web", s: CREDENTIALS.tunnelSecret }),
    ).toString("base64");
    expect(decodeTunnelToken(badId)).toEqual({ ok: false, reason: "no tunnel id (a UUID)" });
    expect(() => parseTunnelToken("x")).toThrow("Provided Tunnel token is not valid.");
  });

  it("decodes a token a shell or UI rewrote to URL-safe base64", () => {
    // "acc???" makes the standard encoding carry a "/", so the rewrite changes the token.
    const claims = { a: "acc???", t: CREDENTIALS.tunnelId, s: CREDENTIALS.tunnelSecret };
    const token = Buffer.from(JSON.stringify(claims)).toString("base64");
    const urlSafe = token.replace(/\+/g, "-").replace(/\//g, "_");
    expect(urlSafe).not.toBe(token);
    expect(parseTunnelToken(urlSafe)).toEqual(parseTunnelToken(token));
  });

  it("names a secret shorter than 32 bytes", () => {
    const short = Buffer.from(
      JSON.stringify({ a: "a", t: CREDENTIALS.tunnelId, s: "c2hvcnQ=" }),
    ).toString("base64");
    expect(decodeTunnelToken(short)).toEqual({
      ok: false,
      reason: "no tunnel secret (base64 of at least 32 bytes)",
    });
  });
});
