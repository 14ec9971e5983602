import { describe, expect, it } from "vitest";
import { ConnectorError } from "../connector-error";
import { ConnectorMetrics } from "../metrics";
import { quickTunnelBanner } from "./banner";
import { publicUrlFor } from "./client";

describe("publicUrlFor", () => {
  it("uses the edge's scheme and keeps a non-default port", () => {
    expect(publicUrlFor(new URL("http://127.0.0.1:8787"), "a-b-c-d.localhost")).toBe(
      "http://a-b-c-d.localhost:8787",
    );
    expect(publicUrlFor(new URL("https://edge.example.com"), "a-b-c-d.example.com")).toBe(
      "https://a-b-c-d.example.com",
    );
  });
});

describe("quickTunnelBanner", () => {
  it("boxes the URL on a line of its own, as cloudflared prints it", () => {
    const lines = quickTunnelBanner("http://a-b-c-d.localhost:8787").split("\n");
    expect(lines[0]).toMatch(/^\+-+\+$/);
    expect(lines.some((line) => /^\|\s+http:\/\/a-b-c-d\.localhost:8787\s+\|$/.test(line))).toBe(
      true,
    );
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});

describe("ConnectorError", () => {
  it("explains what happened, why and how to fix it", () => {
    const error = new ConnectorError(
      "the tunnel was deleted",
      "idle too long",
      "run burrow tunnel again",
    );
    expect(error.explain()).toBe(
      "error: the tunnel was deleted\n  why: idle too long\n  fix: run burrow tunnel again",
    );
    expect(error.retryable).toBe(false);
  });
});

describe("ConnectorMetrics", () => {
  it("renders Prometheus text with requests, errors, in-flight and connections", () => {
    const metrics = new ConnectorMetrics();
    metrics.connectionOpened();
    metrics.requestStarted();
    metrics.requestStarted();
    metrics.requestFinished(true);
    const text = metrics.render();
    expect(text).toContain(
      "# TYPE burrow_tunnel_requests_total counter\nburrow_tunnel_requests_total 2\n",
    );
    expect(text).toContain("burrow_tunnel_request_errors_total 1\n");
    expect(text).toContain("burrow_tunnel_requests_in_flight 1\n");
    expect(text).toContain("burrow_tunnel_ha_connections 1\n");
  });
});
