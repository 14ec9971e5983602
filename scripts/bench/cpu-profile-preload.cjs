// Loaded into the connector by `pnpm bench:profile` through NODE_OPTIONS=--require (Node 20 does
// not allow --cpu-prof there). The first SIGUSR2 starts V8's CPU profiler, the second stops it and
// writes $BURROW_CPU_PROFILE, so the profile covers exactly the measured workload.
const fs = require("node:fs");
const inspector = require("node:inspector");

const target = process.env.BURROW_CPU_PROFILE;
if (target) {
  const session = new inspector.Session();
  session.connect();
  let profiling = false;
  process.on("SIGUSR2", () => {
    if (!profiling) {
      profiling = true;
      session.post("Profiler.enable", () =>
        // 100 µs between samples: fine enough for a request that costs about a millisecond.
        session.post("Profiler.setSamplingInterval", { interval: 100 }, () =>
          session.post("Profiler.start"),
        ),
      );
      return;
    }
    profiling = false;
    session.post("Profiler.stop", (error, result) => {
      if (error) throw error;
      fs.writeFileSync(`${target}.tmp`, JSON.stringify(result.profile));
      fs.renameSync(`${target}.tmp`, target);
    });
  });
}
