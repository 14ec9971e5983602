import { ApiError, quoted } from "@burrow/cf-api";

/** One ingress rule of a remotely managed tunnel, in Cloudflare's JSON shape. */
export interface IngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: Record<string, unknown>;
}

/** `config` of PUT /configurations. */
export interface TunnelConfig {
  ingress: IngressRule[];
  originRequest?: Record<string, unknown>;
  "warp-routing"?: Record<string, unknown>;
}

const SERVICE =
  /^(https?:\/\/[^/\s]+\/?|unix(\+tls)?:\/\S+|(tcp|ssh|rdp):\/\/\S+|http_status:\d{3}|hello_world)$/;
const MAX_RULES = 1000;

function invalid(message: string): never {
  throw new ApiError(400, "validation_failed", message);
}

function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalid(`${field} must be an object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks `{config: {ingress, originRequest?}}` by cloudflared's own ingress rules: services of the
 * kinds it knows, `*` only as the first hostname label, no port in a hostname, and a last rule that
 * matches everything (no hostname or `*`, no path) — which only the last rule may be.
 */
export function parseTunnelConfiguration(body: Record<string, unknown>): TunnelConfig {
  const config = optionalObject(body.config, "config") ?? invalid("config is required");
  const ingress = config.ingress;
  if (!Array.isArray(ingress) || ingress.length === 0 || ingress.length > MAX_RULES) {
    invalid(`config.ingress must be a list of 1-${MAX_RULES} rules`);
  }
  const rules = ingress.map((raw, index): IngressRule => {
    const at = `config.ingress[${index}]`;
    const rule = optionalObject(raw, at) ?? invalid(`${at} must be an object`);
    if (typeof rule.service !== "string" || !SERVICE.test(rule.service)) {
      invalid(`${at}.service ${quoted(rule.service)} is not a service cloudflared knows`);
    }
    const out: IngressRule = { service: rule.service };
    if (rule.hostname !== undefined) {
      if (typeof rule.hostname !== "string" || rule.hostname.includes(":")) {
        invalid(`${at}.hostname ${quoted(rule.hostname)} must be a hostname without a port`);
      }
      if (rule.hostname.lastIndexOf("*") > 0) {
        invalid(`${at}.hostname ${quoted(rule.hostname)} may use * only as the first label`);
      }
      out.hostname = rule.hostname;
    }
    if (rule.path !== undefined) {
      if (typeof rule.path !== "string") invalid(`${at}.path must be a string`);
      out.path = rule.path;
    }
    const originRequest = optionalObject(rule.originRequest, `${at}.originRequest`);
    if (originRequest) out.originRequest = originRequest;
    const catchAll = (out.hostname === undefined || out.hostname === "*") && out.path === undefined;
    const last = index === ingress.length - 1;
    if (last && !catchAll) invalid(`${at} is the last rule and must match everything`);
    if (!last && catchAll) invalid(`${at} matches everything, so only the last rule may`);
    return out;
  });
  const result: TunnelConfig = { ingress: rules };
  const originRequest = optionalObject(config.originRequest, "config.originRequest");
  if (originRequest) result.originRequest = originRequest;
  const warp = optionalObject(config["warp-routing"], "config.warp-routing");
  if (warp) result["warp-routing"] = warp;
  return result;
}
