import { reapStaleTunnels } from "./reap";
import { reaperConfigFrom } from "./reaper-config";

/**
 * The reaper's cron (every minute, wrangler.toml): deletes quick tunnels idle for longer than
 * REAP_AFTER_SECONDS, then erases the secret hash of tunnels deleted over PURGE_SECRET_AFTER_DAYS
 * ago. Time comes from the controller, so tests and `pnpm reap` choose "now".
 */
async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const report = await reapStaleTunnels(env, controller.scheduledTime, reaperConfigFrom(env));
  console.log(
    `reaper: reaped ${report.reaped.length}, kept ${report.kept.length} (reconnected), ` +
      `failed ${report.failed.length} (retried next run), ` +
      `left for next run: ${report.leftOver ? "yes" : "no"}, secrets purged ${report.purged}, ` +
      `subrequests ${report.subrequests}`,
  );
}

export default { scheduled } satisfies ExportedHandler<Env>;
