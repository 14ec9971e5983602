import { ZoneDnsClient, zoneDnsConfigFrom } from "@burrow/cf-api";
import {
  chunk,
  type DnsRecord,
  listReapableQuickTunnels,
  MAX_BOUND_PARAMETERS,
  reapTunnels,
  type Tunnel,
} from "@burrow/registry";
import { isErasedAbort, tunnelStub } from "@burrow/tunnel-contract";
import { boundedMap } from "./bounded-map";
import { purgeExpiredSecrets } from "./purge-secrets";
import type { ReaperConfig } from "./reaper-config";
import { SubrequestBudget } from "./subrequest-budget";

/** Durable Object calls in flight at once. */
const DO_CONCURRENCY = 32;
/** Zone API calls in flight at once: a Worker keeps at most six connections open. */
const ZONE_CONCURRENCY = 6;
/** reapTunnels binds the time and the cutoff besides the ids: 98 + 2 = 100 parameters. */
const D1_IDS_PER_BATCH = MAX_BOUND_PARAMETERS - 2;
/** Statements in one reapTunnels batch (audit, DNS records, VPC services, tunnels). */
const D1_STATEMENTS_PER_BATCH = 4;

/** What one run did, by tunnel id. */
export interface ReapReport {
  /** Deleted: D1 rows, zone records and Durable Object storage. */
  reaped: string[];
  /** Left alone: a connector is attached or came back after the tunnel was listed. */
  kept: string[];
  /** Something failed (logged with the tunnel id); nothing was half-deleted, the next run retries. */
  failed: string[];
  /** Stale tunnels remain that this run's budgets did not cover; the next run takes them. */
  leftOver: boolean;
  /** Tunnels deleted over PURGE_SECRET_AFTER_DAYS ago whose secret hash this run erased. */
  purged: number;
  /** Subrequests spent (Durable Object calls, D1 statements, zone API calls). */
  subrequests: number;
}

type StaleTunnel = Tunnel & { dnsRecords: DnsRecord[] };

/**
 * Deletes quick tunnels idle since before `now - reapAfter`, page by page, within the run's
 * subrequest and zone-API budgets. Per tunnel, in this order:
 * 1. its Durable Object claims it (`reap`), or refuses because a connector is or was just there;
 *    from here on a reconnecting connector gets 410 "tunnel deleted";
 * 2. its zone records are deleted; on failure the claim is called off (`spare`), D1 is untouched
 *    and the next run retries;
 * 3. D1 soft-deletes it with its DNS records and a "Deleted" audit row (`reapTunnels`, guarded by
 *    the same cutoff), so its hostname stops resolving and its secret answers 410;
 * 4. its Durable Object erases its storage.
 * Then, with the budget left, tunnels deleted over `purgeSecretAfterMs` ago lose their secret hash.
 */
export async function reapStaleTunnels(
  env: Env,
  now: number,
  config: ReaperConfig,
): Promise<ReapReport> {
  const inactiveBefore = now - config.reapAfterMs;
  const zoneConfig = zoneDnsConfigFrom(env);
  const zone = zoneConfig ? new ZoneDnsClient(zoneConfig) : null;
  const budget = new SubrequestBudget(config.maxSubrequests);
  let zoneDeletesLeft = config.maxZoneDeletes;
  const report: ReapReport = {
    reaped: [],
    kept: [],
    failed: [],
    leftOver: false,
    purged: 0,
    subrequests: 0,
  };
  // Tunnels listed in this run but not reaped stay stale, so a later page lists them again.
  const passedOver = new Set<string>();

  for (;;) {
    const limit = passedOver.size + config.batchSize;
    // One query for the tunnels, one per 100 ids for their DNS records.
    if (!budget.take(1 + Math.ceil(limit / MAX_BOUND_PARAMETERS))) {
      report.leftOver = true;
      break;
    }
    const listed = await listReapableQuickTunnels(env.DB, { inactiveBefore, limit });
    const fresh = listed.filter((tunnel) => !passedOver.has(tunnel.id));
    if (fresh.length === 0) break;

    const page: StaleTunnel[] = [];
    let zoneDeletes = 0;
    for (const tunnel of fresh) {
      const records = zoneRecordsOf(tunnel).length;
      if (records > zoneDeletesLeft - zoneDeletes) {
        report.leftOver = true;
        passedOver.add(tunnel.id);
        continue;
      }
      if (pageCost(page.length + 1, zoneDeletes + records) > budget.remaining) {
        report.leftOver = true;
        break;
      }
      page.push(tunnel);
      zoneDeletes += records;
    }
    if (page.length === 0) break;
    budget.take(pageCost(page.length, zoneDeletes));
    zoneDeletesLeft -= zoneDeletes;

    const outcome = await reapPage(env, zone, page, now, inactiveBefore);
    for (const tunnel of page) if (!outcome.reaped.has(tunnel.id)) passedOver.add(tunnel.id);
    report.reaped.push(...outcome.reaped);
    report.kept.push(...outcome.kept);
    report.failed.push(...outcome.failed);
    // Nothing moved (the zone API or D1 is failing): stop rather than hammer it all run long.
    if (outcome.reaped.size === 0 && outcome.failed.length > 0) {
      report.leftOver = true;
      break;
    }
    if (report.leftOver) break;
  }
  report.purged = await purgeExpiredSecrets(env.DB, now, config, budget);
  report.subrequests = budget.spent;
  return report;
}

/** Subrequests one page can spend: a claim and an erase (or spare) per tunnel, zone and D1 calls. */
function pageCost(tunnels: number, zoneDeletes: number): number {
  return (
    2 * tunnels + zoneDeletes + D1_STATEMENTS_PER_BATCH * Math.ceil(tunnels / D1_IDS_PER_BATCH)
  );
}

function zoneRecordsOf(tunnel: StaleTunnel): string[] {
  return tunnel.dnsRecords.flatMap((record) => record.zoneRecordId ?? []);
}

async function reapPage(
  env: Env,
  zone: ZoneDnsClient | null,
  page: StaleTunnel[],
  now: number,
  inactiveBefore: number,
): Promise<{ reaped: Set<string>; kept: string[]; failed: string[] }> {
  const kept: string[] = [];
  const failed: string[] = [];

  // 1. Claim each tunnel in its Durable Object.
  const claims = await boundedMap(page, DO_CONCURRENCY, async (tunnel) => {
    try {
      return (await tunnelStub(env.TUNNEL, tunnel.id).reap(inactiveBefore)) ? "claimed" : "kept";
    } catch (error) {
      // The claim may or may not have landed; either way the next run claims it again.
      console.error(`reaper: tunnel ${tunnel.id}: its Durable Object could not be claimed`, error);
      return "failed";
    }
  });
  const claimed: StaleTunnel[] = [];
  page.forEach((tunnel, index) => {
    if (claims[index] === "claimed") claimed.push(tunnel);
    else if (claims[index] === "kept") kept.push(tunnel.id);
    else failed.push(tunnel.id);
  });

  // 2. Delete zone records; a tunnel whose records cannot all be deleted is spared whole.
  const zoneCleared = await boundedMap(claimed, ZONE_CONCURRENCY, async (tunnel) => {
    const recordIds = zoneRecordsOf(tunnel);
    if (recordIds.length === 0) return true;
    if (!zone) {
      console.error(
        `reaper: tunnel ${tunnel.id}: has zone records ${recordIds.join(", ")} but the reaper has ` +
          "no CF_ZONE_ID / CF_API_TOKEN; not reaped",
      );
      return false;
    }
    for (const recordId of recordIds) {
      try {
        // A record that is already gone counts as deleted, so a retried run is safe.
        await zone.deleteRecord(recordId);
      } catch (error) {
        console.error(
          `reaper: tunnel ${tunnel.id}: deleting zone record ${recordId} failed; ` +
            "nothing deleted, retrying next run",
          error,
        );
        return false;
      }
    }
    return true;
  });
  const zoneDone = claimed.filter((_, index) => zoneCleared[index]);
  const zoneFailed = claimed.filter((_, index) => !zoneCleared[index]);
  failed.push(...zoneFailed.map((tunnel) => tunnel.id));
  await spareAll(
    env,
    zoneFailed.map((tunnel) => tunnel.id),
  );

  // 3. Soft-delete in D1, one transaction per 98 ids.
  const reaped = new Set<string>();
  for (const ids of chunk(
    zoneDone.map((tunnel) => tunnel.id),
    D1_IDS_PER_BATCH,
  )) {
    try {
      for (const id of await reapTunnels(env.DB, ids, now, { inactiveBefore })) reaped.add(id);
    } catch (error) {
      // The claims stay: connectors keep getting 410 and the next run finishes these tunnels (their
      // zone records are gone, and deleting a missing record counts as done).
      console.error(
        `reaper: deleting tunnels ${ids.join(", ")} in D1 failed; retrying next run`,
        error,
      );
      failed.push(...ids);
    }
  }
  const notDeleted = zoneDone.filter(
    (tunnel) => !reaped.has(tunnel.id) && !failed.includes(tunnel.id),
  );
  for (const tunnel of notDeleted) {
    // Unreachable while only the Tunnel DO writes conns_inactive_at: its claim held off connectors.
    console.error(`reaper: tunnel ${tunnel.id}: claimed but D1 kept it; calling the claim off`);
    kept.push(tunnel.id);
  }
  await spareAll(
    env,
    notDeleted.map((tunnel) => tunnel.id),
  );

  // 4. Erase the Durable Objects of deleted tunnels.
  await boundedMap([...reaped], DO_CONCURRENCY, async (id) => {
    try {
      await tunnelStub(env.TUNNEL, id).erase();
    } catch (error) {
      if (isErasedAbort(error)) return;
      console.error(`reaper: tunnel ${id}: deleted, but erasing its Durable Object failed`, error);
    }
  });
  return { reaped, kept, failed };
}

async function spareAll(env: Env, ids: string[]): Promise<void> {
  await boundedMap(ids, DO_CONCURRENCY, async (id) => {
    try {
      await tunnelStub(env.TUNNEL, id).spare();
    } catch (error) {
      // The claim stays until the next run finishes the reap; connectors meanwhile get 410.
      console.error(`reaper: tunnel ${id}: calling off its claim failed`, error);
    }
  });
}
