/**
 * https VPC services end to end: consumer Worker → binding Worker → Tunnel DO → the real connector
 * with `--vpc --vpc-ca-file` → real https origins on 127.0.0.1 whose certificates are generated
 * now with `openssl`, one per case. The consumer's SERVICE_URL is https://api.internal.test, so
 * that name is the SNI and, for verify_full, the name the certificate must carry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EXAMPLE_SERVICE_ID,
  PRIVATE_HOSTNAME,
  startVpcStack,
  type VpcStack,
} from "../workers/binding/local/vpc-stack";
import {
  createTestPki,
  type HttpsOrigin,
  startHttpsOrigin,
  type TestPki,
} from "./harness/test-pki";

type Mode = "verify_full" | "verify_ca" | "disabled";

let pki: TestPki;
let stack: VpcStack;
const origins: Record<string, HttpsOrigin> = {};

beforeAll(async () => {
  pki = createTestPki();
  const trusted = pki.ca("Burrow Test CA"); // --vpc-ca-file
  const fromEnv = pki.ca("Burrow Env CA"); // NODE_EXTRA_CA_CERTS
  const untrusted = pki.ca("Burrow Untrusted CA");
  const certificates = {
    good: trusted.issue(PRIVATE_HOSTNAME),
    wrongName: trusted.issue("wrong.internal.test"),
    wrongNameAgain: trusted.issue("wrong.internal.test"),
    envCa: fromEnv.issue(PRIVATE_HOSTNAME),
    untrustedCa: untrusted.issue(PRIVATE_HOSTNAME),
    selfSigned: pki.selfSigned(PRIVATE_HOSTNAME),
  };
  for (const [label, pair] of Object.entries(certificates)) {
    origins[label] = await startHttpsOrigin(pair, label);
  }
  stack = await startVpcStack({
    serviceUrl: `https://${PRIVATE_HOSTNAME}`,
    connectorArgs: ["--vpc-ca-file", trusted.certPath],
    connectorEnv: { NODE_EXTRA_CA_CERTS: fromEnv.certPath },
  });
});

afterAll(async () => {
  await stack?.close();
  for (const origin of Object.values(origins)) await origin.close();
  pki?.remove();
});

/** Points the example consumer's service at `origin`'s port with `mode` (omitted: the default). */
async function serve(origin: string, mode?: Mode) {
  const response = await stack.admin("PUT", `/${EXAMPLE_SERVICE_ID}`, {
    type: "http",
    name: "example-private-api",
    https_port: origins[origin]!.port,
    host: { hostname: PRIVATE_HOSTNAME, resolver_network: { tunnel_id: stack.tunnelId } },
    ...(mode ? { tls_settings: { cert_verification_mode: mode } } : {}),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

/** The consumer's answer: the origin's JSON on success, or the error the binding threw (502). */
async function call(path: string) {
  const response = await stack.consumer(path);
  const body = (await response.json()) as Record<string, string>;
  return { status: response.status, body };
}

describe("an https VPC service through the real connector", () => {
  it("reaches an origin whose certificate a trusted CA issued for the hostname (verify_full)", async () => {
    await serve("good", "verify_full");
    const { status, body } = await call("/items?id=1");
    expect(status).toBe(200);
    expect(body).toMatchObject({ origin: "good", path: "/items?id=1", host: PRIVATE_HOSTNAME });
  });

  it("sends the service URL's hostname as SNI", async () => {
    await serve("good");
    const before = origins.good!.hits.length;
    expect((await call("/sni")).status).toBe(200);
    expect(origins.good!.hits.slice(before)).toEqual([
      { servername: PRIVATE_HOSTNAME, host: PRIVATE_HOSTNAME, path: "/sni" },
    ]);
  });

  it("checks the name by default: a certificate for another name throws a TLS error", async () => {
    await serve("wrongName");
    const { status, body } = await call("/x");
    expect(status).toBe(502);
    expect(body.error).toMatch(
      /VPC service "example-private-api": .*TLS handshake with the origin failed: Hostname\/IP does not match certificate's altnames.*ERR_TLS_CERT_ALTNAME_INVALID/,
    );
    expect(origins.wrongName!.hits).toEqual([]);
  });

  it("accepts a trusted certificate for another name with verify_ca", async () => {
    await serve("wrongName", "verify_ca");
    const { status, body } = await call("/ca");
    expect(status).toBe(200);
    expect(body).toMatchObject({ origin: "wrongName", servername: PRIVATE_HOSTNAME });
  });

  // Regression: Node's https agent keys sockets and TLS sessions without checkServerIdentity, and
  // a resumed session skips it, so a verify_ca connection must not be reused for verify_full.
  it("does not reuse a verify_ca connection or session for verify_full", async () => {
    await serve("wrongNameAgain", "verify_ca");
    expect((await call("/first")).status).toBe(200);
    await serve("wrongNameAgain", "verify_full");
    const { status, body } = await call("/second");
    expect(status).toBe(502);
    expect(body.error).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(origins.wrongNameAgain!.hits.map((hit) => hit.path)).toEqual(["/first"]);
  });

  it("still checks the chain with verify_ca: an untrusted certificate throws", async () => {
    await serve("untrustedCa", "verify_ca");
    const { status, body } = await call("/x");
    expect(status).toBe(502);
    expect(body.error).toMatch(
      /TLS handshake with the origin failed: .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
  });

  it("throws for a certificate from an untrusted CA with verify_full", async () => {
    await serve("untrustedCa", "verify_full");
    const { status, body } = await call("/x");
    expect(status).toBe(502);
    expect(body.error).toMatch(
      /TLS handshake with the origin failed: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
    );
    expect(origins.untrustedCa!.hits).toEqual([]);
  });

  it("throws for a self-signed certificate unless checks are disabled", async () => {
    await serve("selfSigned", "verify_full");
    const refused = await call("/x");
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatch(/self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);

    await serve("selfSigned", "disabled");
    const { status, body } = await call("/disabled");
    expect(status).toBe(200);
    expect(body).toMatchObject({ origin: "selfSigned", path: "/disabled" });
  });

  it("trusts NODE_EXTRA_CA_CERTS next to --vpc-ca-file", async () => {
    await serve("envCa", "verify_full");
    const { status, body } = await call("/env");
    expect(status).toBe(200);
    expect(body).toMatchObject({ origin: "envCa", servername: PRIVATE_HOSTNAME });
  });
});
