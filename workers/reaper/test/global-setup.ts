import { startFakeZoneApi } from "@burrow/cf-api/testing";
import type { TestProject } from "vitest/node";

/**
 * Starts the fake Cloudflare zone API (`@burrow/cf-api/testing`) in Node for the whole run; the
 * Workers runtime reaches it with a real fetch, and test/fake-zone.ts steers it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const api = await startFakeZoneApi();
  project.provide("zoneApiBase", api.apiBase);
  project.provide("zoneId", api.zoneId);
  project.provide("zoneApiToken", api.token);
  return () => api.close();
}
