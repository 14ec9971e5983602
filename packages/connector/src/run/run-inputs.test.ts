import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfigDirectories, findDefaultConfigFile, parseConfigText } from "./config-file";
import { edgeFrom, type RunInputs, resolveRun } from "./resolve-run";
import { systemdUnit } from "./systemd-unit";

const ID = "6ff42ae2-765d-4adf-8112-31c55c1551ef";
const SECRET = Buffer.alloc(32, 7).toString("base64");

const inputs = (overrides: Partial<RunInputs>): RunInputs => ({
  tunnel: null,
  config: null,
  token: null,
  credentialsFile: null,
  originCert: null,
  edge: null,
  url: null,
  helloWorld: false,
  haConnections: null,
  metrics: null,
  gracePeriod: null,
  ...overrides,
});

describe("config discovery", () => {
  it("searches cloudflared's directories in its order, config.yml before config.yaml", () => {
    expect(defaultConfigDirectories("/home/u")).toEqual([
      "/home/u/.cloudflared",
      "/home/u/.cloudflare-warp",
      "/home/u/cloudflare-warp",
      "/etc/cloudflared",
      "/usr/local/etc/cloudflared",
    ]);
    const present = new Set([
      "/etc/cloudflared/config.yaml",
      "/usr/local/etc/cloudflared/config.yml",
    ]);
    expect(findDefaultConfigFile(defaultConfigDirectories("/h"), (f) => present.has(f))).toBe(
      "/etc/cloudflared/config.yaml",
    );
    present.add("/h/cloudflare-warp/config.yml");
    expect(findDefaultConfigFile(defaultConfigDirectories("/h"), (f) => present.has(f))).toBe(
      "/h/cloudflare-warp/config.yml",
    );
    expect(findDefaultConfigFile(defaultConfigDirectories("/h"), () => false)).toBeNull();
  });

  it("reads cloudflared's keys from YAML and refuses a malformed file clearly", () => {
    const config = parseConfigText(
      `tunnel: ${ID}\ncredentials-file: /x/${ID}.json\nha-connections: 2\nmetrics: 127.0.0.1:0\ningress:\n  - service: http_status:404\n`,
      "config.yml",
    );
    expect(config).toMatchObject({ tunnel: ID, "ha-connections": 2, metrics: "127.0.0.1:0" });
    expect(() => parseConfigText("ingress: [", "c.yml")).toThrow(/not valid YAML/);
    expect(() => parseConfigText("- a\n- b\n", "c.yml")).toThrow(/not a mapping/);
    expect(() => parseConfigText("ha-connections: four\n", "c.yml")).toThrow(/ha-connections/);
  });

  it("finds <uuid>.json in the config directories for `run <uuid>` and uses the config's rules", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "burrow-resolve-"));
    writeFileSync(
      path.join(dir, `${ID}.json`),
      JSON.stringify({
        AccountTag: "acc",
        TunnelID: ID,
        TunnelSecret: SECRET,
        Endpoint: "http://edge.test:8787",
      }),
    );
    writeFileSync(
      path.join(dir, "config.yml"),
      `tunnel: ${ID}\ningress:\n  - service: hello_world\n`,
    );
    const plan = await resolveRun(inputs({}), undefined, [dir]);
    expect(plan.credentials.tunnelId).toBe(ID);
    expect(plan.edge.href).toBe("http://edge.test:8787/");
    expect(plan.haConnections).toBe(4);
    expect(plan.config?.ingress).toEqual([{ service: "hello_world" }]);
  });

  it("resolves a tunnel name through the API with cert.pem and refuses mismatched credentials", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "burrow-resolve-"));
    const cert = Buffer.from(
      JSON.stringify({
        zoneID: "z",
        accountID: "acc",
        apiToken: "tok",
        endpoint: "http://api.test",
      }),
    ).toString("base64");
    writeFileSync(
      path.join(dir, "cert.pem"),
      `-----BEGIN ARGO TUNNEL TOKEN-----\n${cert}\n-----END ARGO TUNNEL TOKEN-----\n`,
    );
    writeFileSync(
      path.join(dir, `${ID}.json`),
      JSON.stringify({ AccountTag: "acc", TunnelID: ID, TunnelSecret: SECRET }),
    );
    const asked: string[] = [];
    const plan = await resolveRun(
      inputs({ tunnel: "web" }),
      async (name, parsed, edge) => {
        asked.push(`${name} ${parsed.apiToken} ${edge.host}`);
        return ID;
      },
      [dir],
    );
    expect(asked).toEqual(["web tok api.test"]);
    expect(plan.credentials.tunnelId).toBe(ID);
    await expect(
      resolveRun(inputs({ tunnel: "00000000-0000-4000-8000-000000000000" }), undefined, [dir]),
    ).rejects.toThrow(/no credentials file/);
  });

  it("asks for a tunnel when nothing names one", async () => {
    await expect(resolveRun(inputs({}), undefined, [])).rejects.toThrow(/no tunnel to run/);
  });
});

describe("edge", () => {
  it("dials --edge over the token's edge, and ignores a region name as an endpoint", () => {
    expect(edgeFrom("http://flag.test", { endpoint: "http://token.test" }, null).host).toBe(
      "flag.test",
    );
    expect(edgeFrom(null, { endpoint: "http://token.test" }, null).host).toBe("token.test");
    expect(
      edgeFrom(null, { endpoint: "fed" }, { endpoint: "http://cert.test/client/v4" }).href,
    ).toBe("http://cert.test/");
  });
});

describe("systemd unit", () => {
  it("runs `tunnel run` with the token in the environment, restarting on failure", () => {
    const unit = systemdUnit({
      exec: ["/usr/bin/node", "/opt/burrow/bin/burrow.mjs"],
      token: "abc=",
    });
    expect(unit).toContain("ExecStart=/usr/bin/node /opt/burrow/bin/burrow.mjs tunnel run\n");
    expect(unit).toContain("Environment=TUNNEL_TOKEN=abc=\n");
    expect(unit).toContain(
      "Environment=GLIBC_TUNABLES=glibc.malloc.trim_threshold=33554432:glibc.malloc.mmap_threshold=1048576\n",
    );
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toContain("WantedBy=multi-user.target");
    expect(systemdUnit({ exec: ["/opt/my dir/burrow"], token: "t" })).toContain(
      'ExecStart="/opt/my dir/burrow" tunnel run',
    );
  });
});
