import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ConnectorError } from "../connector-error";
import { ORIGIN_CERT_FILE, originCertSearchDirs } from "../named-tunnel/origin-cert";

/**
 * The directories cloudflared looks in for config.yml/config.yaml: the same ones, in the same
 * order, as for cert.pem (DefaultConfigSearchDirectories serves both).
 */
export const defaultConfigDirectories = originCertSearchDirs;

/** The first config.yml or config.yaml in the search directories, or null. */
export function findDefaultConfigFile(
  directories = defaultConfigDirectories(),
  exists: (file: string) => boolean = existsSync,
): string | null {
  for (const directory of directories) {
    for (const name of ["config.yml", "config.yaml"]) {
      const file = path.join(directory, name);
      if (exists(file)) return file;
    }
  }
  return null;
}

/** The first cert.pem in the search directories, or null. */
export function findDefaultOriginCert(
  directories = defaultConfigDirectories(),
  exists: (file: string) => boolean = existsSync,
): string | null {
  for (const directory of directories) {
    const file = path.join(directory, ORIGIN_CERT_FILE);
    if (exists(file)) return file;
  }
  return null;
}

/** The keys of cloudflared's config file that `burrow tunnel run` reads. */
export interface TunnelConfigFile {
  /** Where it was read from (relative paths in it are taken from the working directory, as cloudflared does). */
  file: string;
  tunnel?: string;
  "credentials-file"?: string;
  ingress?: unknown;
  originRequest?: unknown;
  metrics?: string;
  "ha-connections"?: number;
  "grace-period"?: string;
  loglevel?: string;
  url?: string;
  edge?: string;
  origincert?: string;
  token?: string;
  /**
   * Burrow's key (cloudflared has none; its `warp-routing: {enabled}` is the nearest): serve VPC
   * services as `--vpc`, `--vpc-allow`, `--resolver` and `--vpc-ca-file` do; flags win.
   */
  vpc?: { enabled?: boolean; allow?: string; resolver?: string; "ca-file"?: string };
  [key: string]: unknown;
}

/** Reads and parses a YAML config file; a missing or malformed file is a clear error. */
export function readConfigFile(file: string): TunnelConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConnectorError(
      `cannot read the config file ${file}`,
      (error as Error).message,
      "pass --config <path to config.yml>",
    );
  }
  return parseConfigText(text, file);
}

/** Parses config text (YAML, so JSON too). */
export function parseConfigText(text: string, file: string): TunnelConfigFile {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConnectorError(
      `the config file ${file} is not valid YAML`,
      (error as Error).message.split("\n")[0] ?? "parse error",
      "fix the YAML (indentation, colons) and run `burrow tunnel ingress validate`",
    );
  }
  if (parsed === null || parsed === undefined) return { file };
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConnectorError(
      `the config file ${file} is not a mapping`,
      "its top level must hold keys such as tunnel, credentials-file and ingress",
      "see cloudflared's config.yml format",
    );
  }
  const config = { ...(parsed as Record<string, unknown>), file } as TunnelConfigFile;
  const haConnections = config["ha-connections"];
  if (
    haConnections !== undefined &&
    (typeof haConnections !== "number" || !Number.isInteger(haConnections))
  ) {
    throw new ConnectorError(
      `bad ha-connections in ${file}`,
      "expected a whole number",
      "e.g. ha-connections: 4",
    );
  }
  for (const key of ["tunnel", "credentials-file", "metrics", "url", "edge"] as const) {
    const value = config[key];
    if (value !== undefined && typeof value !== "string") {
      throw new ConnectorError(`bad ${key} in ${file}`, "expected a string", `e.g. ${key}: …`);
    }
  }
  return config;
}
