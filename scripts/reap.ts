/**
 * `pnpm reap`: runs the reaper once, now, in the running `pnpm dev` (which also fires it every
 * minute). Its log lines appear in the `pnpm dev` terminal.
 */
import { DEFAULT_REAP_CONTROL_PORT } from "./reaper-cron";

const port = Number(process.env.REAP_CONTROL_PORT ?? DEFAULT_REAP_CONTROL_PORT);
try {
  const response = await fetch(`http://127.0.0.1:${port}/reap`, { method: "POST" });
  const { outcome } = (await response.json()) as { outcome: string };
  console.log(`reaper run: ${outcome} (see the pnpm dev log for what it reaped)`);
  process.exit(response.ok ? 0 : 1);
} catch {
  console.error(
    `could not reach pnpm dev on 127.0.0.1:${port}\n` +
      "why: the reaper runs inside `pnpm dev`\n" +
      "fix: start `pnpm dev` in another terminal (same REAP_CONTROL_PORT), then run `pnpm reap`",
  );
  process.exit(1);
}
