/** The reaper's knobs, read from its Worker variables (wrangler.toml documents each one). */
export interface ReaperConfig {
  /** Idle time after which a quick tunnel is reaped. */
  reapAfterMs: number;
  /** Tunnels listed and claimed per step. */
  batchSize: number;
  /** The run stops before spending more subrequests than this. */
  maxSubrequests: number;
  /** Zone record deletes per run, under the Cloudflare API's rate limit. */
  maxZoneDeletes: number;
  /** How long a soft-deleted tunnel keeps its secret hash before the run erases it. */
  purgeSecretAfterMs: number;
}

/** The threshold the issue and DESIGN.md name: five minutes without a connection. */
export const REAP_AFTER_SECONDS = 300;

/** Retention of a deleted tunnel's secret hash: long enough to investigate, then gone. */
export const PURGE_SECRET_AFTER_DAYS = 30;
const DAY_MS = 86_400_000;

/** Reads the variables; a missing, empty or malformed one falls back to its default. */
export function reaperConfigFrom(vars: {
  REAP_AFTER_SECONDS?: string;
  REAP_BATCH_SIZE?: string;
  REAP_MAX_SUBREQUESTS?: string;
  REAP_MAX_ZONE_DELETES?: string;
  PURGE_SECRET_AFTER_DAYS?: string;
}): ReaperConfig {
  return {
    reapAfterMs: positive(vars.REAP_AFTER_SECONDS, REAP_AFTER_SECONDS, 0) * 1000,
    batchSize: positive(vars.REAP_BATCH_SIZE, 500, 1),
    maxSubrequests: positive(vars.REAP_MAX_SUBREQUESTS, 9_500, 1),
    maxZoneDeletes: positive(vars.REAP_MAX_ZONE_DELETES, 200, 0),
    purgeSecretAfterMs: positive(vars.PURGE_SECRET_AFTER_DAYS, PURGE_SECRET_AFTER_DAYS, 0) * DAY_MS,
  };
}

function positive(value: string | undefined, fallback: number, minimum: number): number {
  const parsed = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(parsed) && parsed >= minimum
    ? parsed
    : fallback;
}
