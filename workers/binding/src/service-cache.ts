import { getVpcService, type VpcService } from "@burrow/registry";

/**
 * Every binding call would otherwise read D1. Services are kept briefly per isolate; the API
 * Worker evicts a changed service through the VpcServiceCache entrypoint in the isolate its call reaches,
 * other isolates see the change within this time.
 */
const SERVICE_TTL_MS = 5_000;
/** Bounds the per-isolate cache; Workers isolates have 128 MB. */
const MAX_CACHED_SERVICES = 1_000;

const cache = new Map<string, { service: VpcService | null; expiresAt: number }>();

/** The service with this id, or null; cached for {@link SERVICE_TTL_MS}. */
export async function cachedService(db: D1Database, id: string): Promise<VpcService | null> {
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && hit.expiresAt > now) return hit.service;
  const service = await getVpcService(db, id);
  if (cache.size >= MAX_CACHED_SERVICES) cache.clear();
  cache.set(id, { service, expiresAt: now + SERVICE_TTL_MS });
  return service;
}

/** Drops a service from this isolate's cache after a change. */
export function forgetService(id: string): void {
  cache.delete(id);
}
