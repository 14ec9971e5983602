import { startFakeZoneApi } from "@burrow/cf-api/testing";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    fakeZoneApiBase: string;
    fakeZoneId: string;
    fakeZoneToken: string;
  }
}

/** Starts the fake Cloudflare zone API in Node for the whole run. */
export default async function setup(project: TestProject) {
  const api = await startFakeZoneApi();
  project.provide("fakeZoneApiBase", api.apiBase);
  project.provide("fakeZoneId", api.zoneId);
  project.provide("fakeZoneToken", api.token);
  return () => api.close();
}
