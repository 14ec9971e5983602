import { describe, expect, it } from "vitest";
import {
  connectRequestHeaders,
  EDGE_FEATURES,
  FEATURES,
  formatFeatures,
  HANDSHAKE_HEADERS,
  isSendableCloseCode,
  parseFeatures,
} from "./handshake";

describe("the connector handshake", () => {
  it("names the connector in the upgrade headers, secret as a bearer token", () => {
    const headers = connectRequestHeaders(
      { tunnelId: "t-1", connectorId: "c-1", connIndex: 3, version: "1.2.3", arch: "linux_x64" },
      "c2VjcmV0",
    );
    expect(headers).toEqual({
      authorization: "Bearer c2VjcmV0",
      [HANDSHAKE_HEADERS.tunnelId]: "t-1",
      [HANDSHAKE_HEADERS.connectorId]: "c-1",
      [HANDSHAKE_HEADERS.connIndex]: "3",
      [HANDSHAKE_HEADERS.version]: "1.2.3",
      [HANDSHAKE_HEADERS.arch]: "linux_x64",
    });
  });

  it("reads back the edge's feature header, spaces and empty items ignored", () => {
    expect(parseFeatures(formatFeatures(EDGE_FEATURES))).toEqual(
      new Set([
        FEATURES.heartbeat,
        FEATURES.webSocketWindow,
        FEATURES.configVersion,
        FEATURES.frameBatches,
      ]),
    );
    expect(parseFeatures(" vpc ,, heartbeat")).toEqual(new Set(["vpc", "heartbeat"]));
    expect(parseFeatures(undefined).size).toBe(0);
  });

  it("sends only close codes a close frame may carry", () => {
    for (const code of [1000, 1001, 1002, 1007, 1011, 1014, 3000, 4408, 4410, 4999]) {
      expect(isSendableCloseCode(code)).toBe(true);
    }
    for (const code of [0, 999, 1005, 1006, 1015, 1016, 2999, 5000]) {
      expect(isSendableCloseCode(code)).toBe(false);
    }
  });
});
