import { type Connector, startConnector, stopAllConnectors } from "@burrow/connector/testing";
import type { LocalEdgeOptions } from "@burrow/local-edge";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startEdge, type TestEdge } from "./edge";
import { type Origin, startOrigin } from "./origin";
import { visitorAgent } from "./visitor";

/** What a describe block's tests reach, filled in by its beforeAll. */
export interface TunnelStack {
  edge: TestEdge;
  origin: Origin;
  /** Set only with `{ connector: true }`. */
  connector: Connector;
}

/**
 * Registers the hooks most end-to-end files share: a local edge and an origin for the enclosing
 * describe block, plus, with `connector: true`, one connector serving that origin for the whole
 * block (otherwise tests start their own, stopped after each test). Held origin requests are
 * released after each test; everything is stopped after the block.
 */
export function useTunnelStack(options: {
  connector: boolean;
  edge?: LocalEdgeOptions;
}): TunnelStack {
  const stack = {} as TunnelStack;
  beforeAll(async () => {
    stack.edge = await startEdge(options.edge);
    stack.origin = await startOrigin();
    if (options.connector) {
      stack.connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    }
  });
  afterEach(async () => {
    if (!options.connector) await stopAllConnectors();
    stack.origin.release();
    stack.origin.hold();
  });
  afterAll(async () => {
    await stopAllConnectors();
    await stack.origin?.close();
    visitorAgent.destroy();
    await stack.edge?.dispose();
  });
  return stack;
}
