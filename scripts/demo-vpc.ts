/**
 * `pnpm demo:vpc`: the whole VPC services path on this machine, in one command. A DNS server and a
 * private API on 127.0.0.1, every Worker in Miniflare, a real `burrow tunnel --vpc` connector whose
 * resolver is that DNS server, the example consumer's service registered, and the consumer called
 * twice: the first call asks the connector two DNS questions (A, AAAA), the second none.
 * Exits non-zero if anything does not go that way.
 */
import {
  EXAMPLE_SERVICE_ID,
  PRIVATE_HOSTNAME,
  startVpcStack,
} from "../workers/binding/local/vpc-stack";

const log = (message: string) => process.stderr.write(`[demo:vpc] ${message}\n`);
const failures: string[] = [];
const expect = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

log("starting a DNS server, a private API, the Workers and a connector with --vpc …");
const stack = await startVpcStack({ log });
try {
  log(`DNS server on ${stack.dns.address} knows ${PRIVATE_HOSTNAME} → 127.0.0.1`);
  log(`private API on ${stack.origin.url.href}`);
  log(`connector serves VPC traffic for tunnel ${stack.tunnelId}`);
  await stack.registerExampleService();
  log(
    `registered service ${EXAMPLE_SERVICE_ID}: http://${PRIVATE_HOSTNAME} → port ${stack.origin.port}`,
  );

  for (const [label, path] of [
    ["cold", "/hello?from=demo"],
    ["warm", "/hello?again=1"],
  ] as const) {
    const before = stack.dns.questions.length;
    const response = await stack.consumer(path);
    const body = await response.text();
    const asked = stack.dns.questions.slice(before);
    console.log(`\n${label} call: consumer GET ${path}`);
    console.log(`  status ${response.status}: ${body}`);
    console.log(
      `  DNS questions asked: ${asked.length}${asked.length ? ` (${asked.map((q) => `${q.type} ${q.name}`).join(", ")})` : ""}`,
    );
    expect(response.status === 200, `${label} call answered ${response.status}`);
    expect(
      body.includes(`"host":"${PRIVATE_HOSTNAME}"`),
      `${label} call did not reach the private API`,
    );
    expect(
      asked.length === (label === "cold" ? 2 : 0),
      `${label} call asked ${asked.length} DNS questions`,
    );
  }
  const metrics = await stack.admin("GET", `/${EXAMPLE_SERVICE_ID}/metrics`);
  console.log(
    `\nTunnel DNS cache: ${JSON.stringify(((await metrics.json()) as { result: unknown }).result)}`,
  );
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  await stack.close();
}

if (failures.length > 0) {
  console.error(`\ndemo:vpc FAILED:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log("\ndemo:vpc OK: two DNS questions cold, none warm");
