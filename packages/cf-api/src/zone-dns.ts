import { ApiError } from "./envelope";

/** Where and how to reach the Cloudflare API for one zone; absent means "D1 only". */
export interface ZoneDnsConfig {
  apiBase: string;
  apiToken: string;
  zoneId: string;
}

/** The fields of a DNS record Burrow creates: a proxied CNAME to `<tunnel id>.cfargotunnel.com`. */
export interface ZoneDnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

interface CloudflareEnvelope<T> {
  success: boolean;
  result: T | null;
  errors?: Array<{ code: number; message: string }>;
}

/** Builds a config from Worker variables, or null when the operator configured no zone. */
export function zoneDnsConfigFrom(vars: {
  CF_API_BASE?: string;
  CF_API_TOKEN?: string;
  CF_ZONE_ID?: string;
}): ZoneDnsConfig | null {
  if (!vars.CF_API_TOKEN || !vars.CF_ZONE_ID) return null;
  return {
    apiBase: (vars.CF_API_BASE || "https://api.cloudflare.com/client/v4").replace(/\/+$/, ""),
    apiToken: vars.CF_API_TOKEN,
    zoneId: vars.CF_ZONE_ID,
  };
}

/**
 * Client for the zone DNS endpoints Burrow uses (`POST` and `DELETE
 * /zones/{zone_id}/dns_records`). Failures throw an {@link ApiError} with code `upstream_failed`
 * and log the API's own errors, which can name the zone.
 */
export class ZoneDnsClient {
  readonly #config: ZoneDnsConfig;

  constructor(config: ZoneDnsConfig) {
    this.#config = config;
  }

  /** Creates a proxied CNAME `name → content` and returns the record with its zone id. */
  async createCname(name: string, content: string, comment: string): Promise<ZoneDnsRecord> {
    const body = { type: "CNAME", name, content, proxied: true, ttl: 1, comment };
    const record = await this.#call<ZoneDnsRecord>("POST", "dns_records", body);
    if (!record?.id) throw upstreamFailure("the DNS API returned no record id");
    return record;
  }

  /** Deletes a record; one that is already gone counts as deleted, so retries are safe. */
  async deleteRecord(recordId: string): Promise<void> {
    await this.#call("DELETE", `dns_records/${encodeURIComponent(recordId)}`, undefined, [404]);
  }

  async #call<T>(
    method: string,
    path: string,
    body: unknown,
    acceptedStatuses: number[] = [],
  ): Promise<T | null> {
    const url = `${this.#config.apiBase}/zones/${encodeURIComponent(this.#config.zoneId)}/${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#config.apiToken}`,
          "content-type": "application/json",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      console.error(`zone DNS ${method} ${path}: network error`, error);
      throw upstreamFailure("the DNS API could not be reached");
    }
    if (acceptedStatuses.includes(response.status)) return null;
    const envelope = (await response.json().catch(() => null)) as CloudflareEnvelope<T> | null;
    if (!response.ok || !envelope?.success) {
      console.error(`zone DNS ${method} ${path}: HTTP ${response.status}`, envelope?.errors);
      throw upstreamFailure(`the DNS API answered HTTP ${response.status}`);
    }
    return envelope.result;
  }
}

function upstreamFailure(message: string): ApiError {
  return new ApiError(502, "upstream_failed", message);
}
