/**
 * The reaper's cron for `pnpm dev`. Neither wrangler nor Miniflare fires cron triggers locally, so
 * this fires the `burrow-reaper` Worker's `scheduled` handler at every minute boundary, as its
 * `* * * * *` trigger does in production, and serves `POST /reap` on a loopback port for
 * `pnpm reap` (scripts/reap.ts) to run it at once. The edge's own port stays the public surface.
 */
import http from "node:http";
import type { LocalEdge } from "@burrow/local-edge";

const REAPER = "burrow-reaper";
const CRON = "* * * * *";
/** Where `pnpm reap` finds the running `pnpm dev`; override both with REAP_CONTROL_PORT. */
export const DEFAULT_REAP_CONTROL_PORT = 8789;

/** Starts the minute timer and the control endpoint; resolves to a stop function. */
export async function startReaperCron(
  edge: LocalEdge,
  options: { controlPort: number; log: (message: string) => void },
): Promise<() => Promise<void>> {
  if (!edge.workers.includes(REAPER)) return async () => {};
  const reaper = await edge.miniflare.getWorker(REAPER);
  let running: Promise<string> | null = null;
  // One run at a time, like a cron trigger whose previous run has not finished.
  const runOnce = (why: string): Promise<string> => {
    running ??= (async () => {
      try {
        const result = await reaper.scheduled({ scheduledTime: new Date(), cron: CRON });
        options.log(`reaper run (${why}): ${result.outcome}`);
        return result.outcome;
      } catch (error) {
        options.log(`reaper run (${why}) failed: ${String(error)}`);
        return "exception";
      } finally {
        running = null;
      }
    })();
    return running;
  };

  let timer: NodeJS.Timeout | undefined;
  const scheduleNext = () => {
    timer = setTimeout(
      () => {
        void runOnce("cron");
        scheduleNext();
      },
      60_000 - (Date.now() % 60_000),
    );
  };
  scheduleNext();

  const server = http.createServer((request, response) => {
    if (request.method !== "POST" || request.url !== "/reap") {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"POST /reap"}');
      return;
    }
    void runOnce("pnpm reap").then((outcome) => {
      response
        .writeHead(outcome === "ok" ? 200 : 500, { "content-type": "application/json" })
        .end(JSON.stringify({ outcome }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.controlPort, "127.0.0.1", resolve);
  });
  options.log(
    `reaper fires every minute; \`pnpm reap\` runs it now (http://127.0.0.1:${(server.address() as { port: number }).port}/reap)`,
  );
  return async () => {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
