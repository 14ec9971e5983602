import type { WorkerOptions } from "miniflare";

/** The Worker the VPC bench's floor calls reach, and the entrypoint its consumer binds to. */
export const FLOOR_WORKER = "burrow-bench-floor";

/**
 * The VPC bench's floor (workers/binding/bench/vpc-bench.ts): an entrypoint with the shape of
 * burrow-binding's `VpcServiceBinding` (a service binding with props, `fetch` answering a Response)
 * that answers at once what the private origin would (JSON of about the same size), without any
 * Burrow code, Durable Object or tunnel behind it. Consumer → floor is what the runtime alone
 * charges for the binding hop.
 */
const FLOOR_SCRIPT = `
import { WorkerEntrypoint } from "cloudflare:workers";
export class Floor extends WorkerEntrypoint {
  fetch(request) {
    const url = new URL(request.url);
    const body = JSON.stringify({
      service: "private-api",
      method: request.method,
      path: url.pathname + url.search,
      host: url.host,
      body: "",
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  }
}
export default { fetch: () => new Response(null, { status: 404 }) };
`;

/** Miniflare options for the floor Worker. */
export function floorWorker(): WorkerOptions {
  return {
    name: FLOOR_WORKER,
    modules: [{ type: "ESModule", path: "floor.mjs", contents: FLOOR_SCRIPT }],
    compatibilityDate: "2026-04-20",
  } as WorkerOptions;
}

/** The consumer's binding to the floor, shaped as its PRIVATE_API binding (same props). */
export function floorBinding(serviceId: string): Record<string, unknown> {
  return {
    BENCH_FLOOR: { name: FLOOR_WORKER, entrypoint: "Floor", props: { service_id: serviceId } },
  };
}
