import { inject } from "vitest";

/** Reaper variables pointing at the fake Cloudflare API that test/global-setup.ts starts. */
export function fakeZoneVars(): { CF_API_BASE: string; CF_ZONE_ID: string; CF_API_TOKEN: string } {
  return {
    CF_API_BASE: inject("zoneApiBase"),
    CF_ZONE_ID: inject("zoneId"),
    CF_API_TOKEN: inject("zoneApiToken"),
  };
}

/** Calls one of the fake API's test controls (`/__control/<action>`, see `@burrow/cf-api/testing`). */
async function control(
  method: "GET" | "POST",
  action: string,
  options: { params?: Record<string, string>; body?: unknown } = {},
): Promise<Response> {
  const url = new URL(`/__control/${action}`, inject("zoneApiBase"));
  for (const [name, value] of Object.entries(options.params ?? {}))
    url.searchParams.set(name, value);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const response = await fetch(url, { method, body });
  if (!response.ok) throw new Error(`fake zone API ${action}: HTTP ${response.status}`);
  return response;
}

/** Creates a record in the fake zone, as the quick-tunnel Worker would. */
export async function addZoneRecord(id: string, name: string, content: string): Promise<void> {
  await control("POST", "records", { body: { id, name, content } });
}

/** The fake zone's records by id, and which deletes it has received so far. */
export async function zoneState(): Promise<{
  records: Record<string, unknown>;
  deletesSeen: string[];
}> {
  const [records, deletesSeen] = await Promise.all([
    control("GET", "records").then((response) => response.json() as Promise<Array<{ id: string }>>),
    control("GET", "deletes").then((response) => response.json() as Promise<string[]>),
  ]);
  return { records: Object.fromEntries(records.map((record) => [record.id, record])), deletesSeen };
}

/** Makes deleting record `id` answer HTTP 500 (or succeed again with `fail: false`). */
export async function failZoneDelete(id: string, fail = true): Promise<void> {
  await control("POST", "fail-delete", { params: { id, fail: String(fail) } });
}

/** Holds deletes of record `id` until {@link releaseZoneDelete}. */
export async function holdZoneDelete(id: string): Promise<void> {
  await control("POST", "hold-delete", { params: { id } });
}

export async function releaseZoneDelete(id: string): Promise<void> {
  await control("POST", "release-delete", { params: { id } });
}
