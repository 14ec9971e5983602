import { describe, expect, it } from "vitest";
import { apiUrlForEdge, edgeUrlForApi, resolveApiUrl } from "./management";
import { formatConnections, goTimeString, rfc3339, tabulate } from "./table";
import { idsFromNames, isTunnelId, type TunnelJson } from "./tunnels";

const tunnel = (id: string, name: string): TunnelJson => ({
  id,
  name,
  created_at: "2026-04-20T12:00:00.000Z",
  deleted_at: null,
});
const WEB = "6f0e8a52-7d1c-4a3b-9b8e-0c1d2e3f4a5b";
const API = "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9";

describe("name resolution", () => {
  it("takes a UUID-shaped input as an id, in any case, without looking it up", () => {
    expect(isTunnelId(WEB.toUpperCase())).toBe(true);
    expect(isTunnelId("web")).toBe(false);
    expect(idsFromNames([], [WEB.toUpperCase()])).toEqual([WEB]);
  });

  it("maps names to ids of the listed tunnels, keeping the input order", () => {
    expect(idsFromNames([tunnel(WEB, "web"), tunnel(API, "api")], ["api", WEB, "web"])).toEqual([
      API,
      WEB,
      WEB,
    ]);
  });

  it("names every input that is neither an id nor a tunnel's name", () => {
    expect(() => idsFromNames([tunnel(WEB, "web")], ["db"])).toThrow(
      "db is neither the ID nor the name of any of your tunnels",
    );
    expect(() => idsFromNames([tunnel(WEB, "web")], ["db", "web", "cache"])).toThrow(
      "The following inputs were neither: db, cache",
    );
  });
});

describe("API and edge URLs", () => {
  it("puts the API under /client/v4 of the edge and back", () => {
    const api = apiUrlForEdge(new URL("http://127.0.0.1:8787/"));
    expect(api.href).toBe("http://127.0.0.1:8787/client/v4");
    expect(edgeUrlForApi(api).href).toBe("http://127.0.0.1:8787/");
    expect(edgeUrlForApi(new URL("https://edge.example/base/client/v4/")).href).toBe(
      "https://edge.example/base",
    );
  });

  it("prefers --api-url, then cert.pem's endpoint, then --edge", () => {
    const cert = {
      zoneID: "z",
      accountID: "a",
      apiToken: "t",
      endpoint: "http://cert:1/client/v4",
    };
    expect(resolveApiUrl({ "api-url": "http://flag:2/client/v4" }, cert).href).toBe(
      "http://flag:2/client/v4",
    );
    expect(resolveApiUrl({ edge: "http://edge:3" }, cert).href).toBe("http://cert:1/client/v4");
    expect(resolveApiUrl({ edge: "http://edge:3" }, { ...cert, endpoint: undefined }).href).toBe(
      "http://edge:3/client/v4",
    );
  });
});

describe("tables", () => {
  it("pads each column to its widest cell plus one, as Go's tabwriter", () => {
    expect(
      tabulate([
        ["ID", "NAME"],
        ["abc", "x"],
      ]),
    ).toBe("ID  NAME \nabc x    ");
  });

  it("counts live connections per colo, colos sorted, pending ones only when asked", () => {
    const conn = (colo: string, pending = false) => ({
      id: "c",
      colo_name: colo,
      opened_at: "",
      origin_ip: "",
      is_pending_reconnect: pending,
    });
    const conns = [conn("local"), conn("ams"), conn("local"), conn("ams", true)];
    expect(formatConnections(conns)).toBe("1xams, 2xlocal");
    expect(formatConnections(conns, true)).toBe("2xams, 2xlocal");
    expect(formatConnections([])).toBe("");
  });

  it("prints times as Go does: RFC 3339 in lists, time.String() for info's CREATED", () => {
    expect(rfc3339("2026-04-20T12:00:00.123Z")).toBe("2026-04-20T12:00:00Z");
    expect(goTimeString("2026-04-20T12:00:00.120Z")).toBe("2026-04-20 12:00:00.12 +0000 UTC");
    expect(goTimeString("2026-04-20T12:00:00.000Z")).toBe("2026-04-20 12:00:00 +0000 UTC");
  });
});
