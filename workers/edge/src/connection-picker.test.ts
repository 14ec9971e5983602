import { ConnectionPicker, connectionIdOf, type TunnelRoutes } from "@burrow/tunnel-contract";
import { afterEach, describe, expect, it, vi } from "vitest";

/** A Tunnel DO's answers, counted: what `routes()` would say for each tunnel. */
function tunnelAnswers(routes: Record<string, TunnelRoutes>) {
  const asked: string[] = [];
  const routesOf = async (tunnelId: string) => {
    asked.push(tunnelId);
    return routes[tunnelId] ?? { connectionIds: [], vpcConnectionIds: [] };
  };
  return { asked, routesOf };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the connection picker", () => {
  it("walks every routable connection in turn and names objects <tunnel>/<connection>", async () => {
    const { routesOf } = tunnelAnswers({
      t1: { connectionIds: ["a", "b", "c"], vpcConnectionIds: [] },
    });
    const picker = new ConnectionPicker(routesOf);
    const picks = [];
    for (let i = 0; i < 6; i++) picks.push(await picker.pick("t1"));
    expect(picks.every((name) => name?.startsWith("t1/"))).toBe(true);
    const ids = picks.map((name) => connectionIdOf(name!));
    expect(new Set(ids.slice(0, 3))).toEqual(new Set(["a", "b", "c"]));
    expect(ids.slice(3)).toEqual(ids.slice(0, 3));
  });

  it("asks the Tunnel DO once for concurrent picks and again only after two seconds", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { asked, routesOf } = tunnelAnswers({
      t1: { connectionIds: ["a"], vpcConnectionIds: [] },
    });
    const picker = new ConnectionPicker(routesOf);
    await Promise.all(Array.from({ length: 50 }, () => picker.pick("t1")));
    expect(asked).toEqual(["t1"]);
    vi.setSystemTime(Date.now() + 1_999);
    await picker.pick("t1");
    expect(asked).toHaveLength(1);
    vi.setSystemTime(Date.now() + 2);
    await picker.pick("t1");
    expect(asked).toHaveLength(2);
  });

  it("picks only VPC connections for VPC calls, and null when a tunnel lists none", async () => {
    const { routesOf } = tunnelAnswers({
      t1: { connectionIds: ["a", "v"], vpcConnectionIds: ["v"] },
    });
    const picker = new ConnectionPicker(routesOf);
    for (let i = 0; i < 4; i++) expect(await picker.pick("t1", true)).toBe("t1/v");
    expect(await picker.pick("t2")).toBeNull();
    expect(await picker.pick("t2", true)).toBeNull();
  });

  it("asks again at once after `forget`", async () => {
    const routes = { t1: { connectionIds: ["a"], vpcConnectionIds: [] } };
    const { asked, routesOf } = tunnelAnswers(routes);
    const picker = new ConnectionPicker(routesOf);
    expect(await picker.pick("t1")).toBe("t1/a");
    routes.t1 = { connectionIds: ["b"], vpcConnectionIds: [] };
    picker.forget("t1");
    expect(await picker.pick("t1")).toBe("t1/b");
    expect(asked).toHaveLength(2);
  });
});
