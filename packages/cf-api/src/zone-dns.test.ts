import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeZoneApi, startFakeZoneApi } from "../testing/fake-zone-api";
import { ApiError } from "./envelope";
import { ZoneDnsClient, zoneDnsConfigFrom } from "./zone-dns";

let api: FakeZoneApi;
let client: ZoneDnsClient;

beforeAll(async () => {
  api = await startFakeZoneApi();
  client = new ZoneDnsClient({ apiBase: api.apiBase, apiToken: api.token, zoneId: api.zoneId });
});
afterAll(() => api.close());

describe("ZoneDnsClient", () => {
  it("creates a proxied CNAME and deletes it by id", async () => {
    const record = await client.createCname("a-b-c-d.example.com", "t1.cfargotunnel.com", "burrow");
    expect(api.records.get(record.id)).toMatchObject({
      type: "CNAME",
      proxied: true,
      content: "t1.cfargotunnel.com",
    });
    await client.deleteRecord(record.id);
    expect(api.records.has(record.id)).toBe(false);
  });

  it("treats deleting a record that is already gone as done, so retries are safe", async () => {
    await expect(client.deleteRecord("0123456789abcdef")).resolves.toBeUndefined();
  });

  it("throws upstream_failed without the API's internals when the API refuses", async () => {
    const wrongToken = new ZoneDnsClient({
      apiBase: api.apiBase,
      apiToken: "nope",
      zoneId: api.zoneId,
    });
    const error = await wrongToken
      .createCname("x.example.com", "t.cfargotunnel.com", "")
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 502,
      code: "upstream_failed",
      message: "the DNS API answered HTTP 403",
    });
  });

  it("throws upstream_failed when the API cannot be reached", async () => {
    const unreachable = new ZoneDnsClient({
      apiBase: "http://127.0.0.1:9/client/v4",
      apiToken: "t",
      zoneId: "z",
    });
    await expect(unreachable.deleteRecord("r")).rejects.toMatchObject({ code: "upstream_failed" });
  });

  it("is configured only when both a token and a zone id are set", () => {
    expect(zoneDnsConfigFrom({ CF_ZONE_ID: "z" })).toBeNull();
    expect(zoneDnsConfigFrom({ CF_API_TOKEN: "t", CF_ZONE_ID: "" })).toBeNull();
    expect(
      zoneDnsConfigFrom({ CF_API_TOKEN: "t", CF_ZONE_ID: "z", CF_API_BASE: "http://h/v4/" }),
    ).toEqual({
      apiBase: "http://h/v4",
      apiToken: "t",
      zoneId: "z",
    });
  });
});
