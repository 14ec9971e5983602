import { ApiError, ZoneDnsClient, zoneDnsConfigFrom } from "@burrow/cf-api";
import { hashSecret, provisionTunnel } from "@burrow/registry";
import { randomHostname } from "./hostname";

/** Random hostnames collide with odds of about n / 2^48; five tries make a failure practically impossible. */
const MAX_HOSTNAME_ATTEMPTS = 5;

/** What cloudflared's quick-tunnel client reads from `result` (`secret` is standard base64). */
export interface QuickTunnel {
  id: string;
  name: string;
  hostname: string;
  account_tag: string;
  secret: string;
}

/** Mints a quick tunnel: D1 rows first (so the reaper always knows it), then the zone's record. */
export async function mintQuickTunnel(
  env: Env,
  now: number,
  pickHostname: (zone: string) => string = randomHostname,
): Promise<QuickTunnel> {
  const id = crypto.randomUUID();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const name = `qt-${hex(crypto.getRandomValues(new Uint8Array(16)))}`;
  const tunnel = {
    id,
    accountTag: env.ACCOUNT_TAG,
    name,
    kind: "quick" as const,
    secretHash: await hashSecret(secret),
    createdAt: now,
  };
  const config = zoneDnsConfigFrom(env);
  let hostname: string;
  try {
    const provisioned = await provisionTunnel(
      env.DB,
      config ? new ZoneDnsClient(config) : null,
      tunnel,
      {
        pick: () => pickHostname(env.ZONE),
        maxAttempts: MAX_HOSTNAME_ATTEMPTS,
        targetSuffix: env.TUNNEL_TARGET_SUFFIX,
      },
    );
    hostname = provisioned.hostname ?? "";
  } catch (error) {
    // provisionTunnel has already removed a tunnel whose public record could not be made.
    if (error instanceof ApiError || !config) throw error;
    throw new ApiError(502, "upstream_failed", "the DNS record could not be created");
  }

  return { id, name, hostname, account_tag: env.ACCOUNT_TAG, secret: base64(secret) };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}
