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

  it("asks the Tunnel DO again only after two seconds, and then once for concurrent picks", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const routes = { t1: { connectionIds: ["a"], vpcConnectionIds: [] } };
    const { asked, routesOf } = tunnelAnswers(routes);
    const picker = new ConnectionPicker(routesOf);
    await picker.pick("t1");
    vi.setSystemTime(Date.now() + 1_999);
    await Promise.all(Array.from({ length: 50 }, () => picker.pick("t1")));
    expect(asked).toHaveLength(1);
    vi.setSystemTime(Date.now() + 2);
    // One pick refreshes with its own question; the others go on with the list they have, so no
    // request waits on another request's call (the runtime cancels such a wait as hung when the
    // asking request goes away first).
    routes.t1 = { connectionIds: ["b"], vpcConnectionIds: [] };
    const picks = await Promise.all(Array.from({ length: 50 }, () => picker.pick("t1")));
    expect(asked).toHaveLength(2);
    expect(picks[0]).toBe("t1/b");
    expect(picks.slice(1).every((name) => name === "t1/a")).toBe(true);
    expect(await picker.pick("t1")).toBe("t1/b");
  });

  it("lets another pick refresh when a refresh has not answered within two seconds", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let answer: (routes: TunnelRoutes) => void = () => {};
    let questions = 0;
    const picker = new ConnectionPicker(async () => {
      questions++;
      if (questions === 2) return new Promise<TunnelRoutes>((resolve) => (answer = resolve));
      return { connectionIds: [`c${questions}`], vpcConnectionIds: [] };
    });
    expect(await picker.pick("t1")).toBe("t1/c1");
    vi.setSystemTime(Date.now() + 2_000);
    // This refresh never answers (its request went away); meanwhile picks use the old list.
    void picker.pick("t1");
    expect(await picker.pick("t1")).toBe("t1/c1");
    vi.setSystemTime(Date.now() + 2_000);
    expect(await picker.pick("t1")).toBe("t1/c3");
    expect(questions).toBe(3);
    answer({ connectionIds: [], vpcConnectionIds: [] });
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

  it("asks once per first pick of a tunnel: no pick waits on another's question", async () => {
    const { asked, routesOf } = tunnelAnswers({
      t1: { connectionIds: ["a"], vpcConnectionIds: [] },
    });
    const picker = new ConnectionPicker(routesOf);
    await Promise.all(Array.from({ length: 5 }, () => picker.pick("t1")));
    expect(asked).toHaveLength(5);
    await picker.pick("t1");
    expect(asked).toHaveLength(5);
  });
});
