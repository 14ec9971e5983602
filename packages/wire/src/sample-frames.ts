/**
 * Example frames of every kind, shared by the codec tests (round trips) and the fuzz tests (seed
 * corpus for mutations). Test fixtures only; not exported from index.ts.
 */
import { type Frame, type FrameKind, ResetCode } from "./frame";

export type FrameOf<K extends FrameKind> = Extract<Frame, { kind: K }>;

/**
 * At least one sample per kind. The mapped type makes a new kind in frame.ts a compile error here
 * until it has a round-trip sample.
 */
export const samples: { [K in FrameKind]: FrameOf<K>[] } = {
  requestHead: [
    {
      kind: "requestHead",
      streamId: 1,
      method: "POST",
      url: "https://app.example.com/café?q=日本",
      headers: [
        ["content-type", "text/plain; charset=utf-8"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["x-greeting", "café 日本 🦫"],
        ["x-empty", ""],
      ],
      websocket: false,
      hasBody: true,
      target: null,
    },
    {
      kind: "requestHead",
      streamId: 0xffff_ffff,
      method: "GET",
      url: "/socket",
      headers: [],
      websocket: true,
      hasBody: false,
      target: {
        address: "10.0.0.7",
        port: 8443,
        tls: true,
        serverName: "internal.example",
        certVerification: "none",
      },
    },
    {
      kind: "requestHead",
      streamId: 10,
      method: "GET",
      url: "https://api.internal/v1",
      headers: [["host", "api.internal"]],
      websocket: false,
      hasBody: false,
      target: {
        address: "fd00::5",
        port: 443,
        tls: true,
        serverName: "api.internal",
        certVerification: "full",
      },
    },
    {
      kind: "requestHead",
      streamId: 11,
      method: "GET",
      url: "https://api.internal/v1",
      headers: [],
      websocket: false,
      hasBody: false,
      target: {
        address: "10.0.0.5",
        port: 8443,
        tls: true,
        serverName: "api.internal",
        certVerification: "ca",
      },
    },
  ],
  responseHead: [
    {
      kind: "responseHead",
      streamId: 2,
      status: 200,
      statusText: "OK",
      headers: [["content-language", "日本語"]],
      body: new Uint8Array(0),
      endStream: false,
    },
    {
      kind: "responseHead",
      streamId: 3,
      status: 999,
      statusText: "",
      headers: [],
      body: new Uint8Array(0),
      endStream: false,
    },
    {
      kind: "responseHead",
      streamId: 5,
      status: 200,
      statusText: "OK",
      headers: [["content-length", "5"]],
      body: new TextEncoder().encode("hello"),
      endStream: true,
    },
  ],
  data: [
    { kind: "data", streamId: 4, bytes: new Uint8Array([0, 1, 2, 253, 254, 255]) },
    { kind: "data", streamId: 4, bytes: new Uint8Array(0) },
  ],
  end: [{ kind: "end", streamId: 5 }],
  reset: [
    { kind: "reset", streamId: 6, code: ResetCode.originTimeout, message: "origin took 30 s" },
    { kind: "reset", streamId: 6, code: ResetCode.goingAway, message: "" },
  ],
  windowUpdate: [
    { kind: "windowUpdate", streamId: 7, bytes: 1 },
    { kind: "windowUpdate", streamId: 7, bytes: 0xffff_ffff },
  ],
  webSocketMessage: [
    {
      kind: "webSocketMessage",
      streamId: 8,
      text: true,
      bytes: new TextEncoder().encode("héllo 👋"),
    },
    { kind: "webSocketMessage", streamId: 8, text: false, bytes: new Uint8Array([9, 0, 9]) },
  ],
  webSocketClose: [{ kind: "webSocketClose", streamId: 9, code: 1000, reason: "au revoir, café" }],
  dnsQuestion: [
    {
      kind: "dnsQuestion",
      streamId: 10,
      hostname: "db.internal",
      recordType: "AAAA",
      resolverIps: ["10.0.0.2", "fd00::53"],
    },
    {
      kind: "dnsQuestion",
      streamId: 10,
      hostname: "bücher.example",
      recordType: "A",
      resolverIps: [],
    },
  ],
  dnsAnswer: [
    { kind: "dnsAnswer", streamId: 11, status: "ok", addresses: ["10.0.0.9"], ttlSeconds: 60 },
    { kind: "dnsAnswer", streamId: 11, status: "nxdomain", addresses: [], ttlSeconds: 0 },
  ],
  hello: [
    {
      kind: "hello",
      streamId: 0,
      connectorId: "0b6f6c3e-8d2e-4f1a-9c55-6f1e2d3c4b5a",
      version: "0.1.0",
      arch: "linux-x64",
      connIndex: 3,
      features: ["vpc", "dns"],
      configVersion: 0,
    },
    {
      kind: "hello",
      streamId: 0,
      connectorId: "0b6f6c3e-8d2e-4f1a-9c55-6f1e2d3c4b5a",
      version: "0.1.0",
      arch: "linux-x64",
      connIndex: 0,
      features: [],
      configVersion: 0xffff_ffff,
    },
  ],
  registered: [
    {
      kind: "registered",
      streamId: 0,
      connectionId: "c-1",
      location: "AMS",
      hostname: "quick-fox.example.dev",
    },
  ],
  ping: [
    { kind: "ping", streamId: 0, nonce: 0n },
    { kind: "ping", streamId: 0, nonce: 0xffff_ffff_ffff_ffffn },
  ],
  pong: [{ kind: "pong", streamId: 0, nonce: 42n }],
  goAway: [
    { kind: "goAway", streamId: 0, reason: "deploying" },
    { kind: "goAway", streamId: 0, reason: "" },
  ],
  configApplied: [
    { kind: "configApplied", streamId: 0, version: 1 },
    { kind: "configApplied", streamId: 0, version: 0xffff_ffff },
  ],
};

/** Every sample of every kind, shared with the fuzz tests as a seed corpus. */
export const sampleFrames: Frame[] = Object.values(samples).flat();
