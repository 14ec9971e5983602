import { WorkerEntrypoint } from "cloudflare:workers";
import { forgetService } from "./service-cache";

/**
 * Reached by the API Worker after it changes or deletes a service, so the isolate that serves the
 * next binding call does not use its cached copy. Other isolates refresh within the cache's 5 s.
 * It can only evict: a caller learns nothing and changes nothing stored.
 */
export class VpcServiceCache extends WorkerEntrypoint<Env> {
  async forget(serviceId: string): Promise<void> {
    if (typeof serviceId === "string") forgetService(serviceId);
  }
}
