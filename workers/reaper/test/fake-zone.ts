import { inject } from "vitest";

/** The zone and token the fake Cloudflare API (fake-zone-api.ts) accepts. */
export const FAKE_ZONE_ID = "0123456789abcdef0123456789abcdef";
export const FAKE_API_TOKEN = "fake-token";

/** Reaper variables pointing at the fake Cloudflare API. */
export function fakeZoneVars(): { CF_API_BASE: string; CF_ZONE_ID: string; CF_API_TOKEN: string } {
  return {
    CF_API_BASE: inject("zoneApiBase"),
    CF_ZONE_ID: FAKE_ZONE_ID,
    CF_API_TOKEN: FAKE_API_TOKEN,
  };
}

/** Calls the fake API's test controls (`/__test/<action>`). */
async function control(action: string, body?: unknown): Promise<Response> {
  const base = new URL(inject("zoneApiBase"));
  const response = await fetch(new URL(`/__test/${action}`, base), {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`fake zone API ${action}: HTTP ${response.status}`);
  return response;
}

/** Creates a record in the fake zone, as the quick-tunnel Worker would. */
export async function addZoneRecord(id: string, name: string, content: string): Promise<void> {
  await control("records", { id, name, content });
}

/** Whether a record exists in the fake zone, and which deletes it has received so far. */
export async function zoneState(): Promise<{
  records: Record<string, unknown>;
  deletesSeen: string[];
}> {
  return (await control("records")).json();
}

/** Makes deleting record `id` answer HTTP 500 (or succeed again with `fail: false`). */
export async function failZoneDelete(id: string, fail = true): Promise<void> {
  await control("fail", { id, fail });
}

/** Holds deletes of record `id` until {@link releaseZoneDelete}. */
export async function holdZoneDelete(id: string): Promise<void> {
  await control("hold", { id });
}

export async function releaseZoneDelete(id: string): Promise<void> {
  await control("release", { id });
}
