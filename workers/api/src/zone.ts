import { ZoneDnsClient, zoneDnsConfigFrom } from "@burrow/cf-api";

/** The real zone's DNS client when the operator configured one (CF_ZONE_ID + CF_API_TOKEN). */
export function zoneClient(env: Env): ZoneDnsClient | null {
  const config = zoneDnsConfigFrom(env);
  return config ? new ZoneDnsClient(config) : null;
}
