import type { TestProject } from "vitest/node";
import { startFakeZoneApi } from "./fake-zone-api";

declare module "vitest" {
  export interface ProvidedContext {
    fakeZoneApiBase: string;
    fakeZoneId: string;
    fakeZoneToken: string;
  }
}

/**
 * A vitest `globalSetup` file: starts the fake Cloudflare zone API in Node for the whole run and
 * provides its address, zone id and token to a Workers pool's config (`inject("fakeZoneApiBase")`).
 */
export default async function setup(project: TestProject) {
  const api = await startFakeZoneApi();
  project.provide("fakeZoneApiBase", api.apiBase);
  project.provide("fakeZoneId", api.zoneId);
  project.provide("fakeZoneToken", api.token);
  return () => api.close();
}
