import type { WorkerOptions } from "miniflare";
import { floorWorkerOptions } from "../../../scripts/bench/runtime-floor";

/** The Worker the VPC bench's floor calls reach, and the entrypoint its consumer binds to. */
export const FLOOR_WORKER = "burrow-bench-floor";

/**
 * The VPC bench's floor (workers/binding/bench/vpc-bench.ts): the bench's runtime floor
 * (scripts/bench/runtime-floor/worker.js), reached through a service binding with props shaped as
 * burrow-binding's `VpcServiceBinding`: Worker entrypoint → Durable Object → WebSocket → a Node
 * peer → the private origin, with none of Burrow's code. The least any VPC call through a tunnel
 * on Workers must do; the stack starts its peer (startFloorPeer) once the Worker listens.
 */
export function floorWorker(): WorkerOptions {
  return floorWorkerOptions(FLOOR_WORKER);
}

/** The consumer's binding to the floor, shaped as its PRIVATE_API binding (same props). */
export function floorBinding(serviceId: string): Record<string, unknown> {
  return {
    BENCH_FLOOR: { name: FLOOR_WORKER, entrypoint: "Floor", props: { service_id: serviceId } },
  };
}
