/**
 * Example consumer of a Burrow VPC service. `GET /<path>` fetches `<SERVICE_URL>/<path>` through
 * the PRIVATE_API binding and returns what the private service answered, or a 502 saying why the
 * service could not be reached (the binding throws for that, as Workers VPC does).
 */
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/direct/") && env.DIRECT_ORIGIN) {
      return fetch(
        new URL(`${url.pathname.slice("/direct".length)}${url.search}`, env.DIRECT_ORIGIN),
      );
    }
    // Benchmarks only: `/floor/<path>` makes the same call through BENCH_FLOOR, a binding the VPC
    // bench adds to a Worker that answers at once (workers/binding/local/floor-worker.ts).
    const floor = (env as Env & { BENCH_FLOOR?: Service }).BENCH_FLOOR;
    const viaFloor = floor !== undefined && url.pathname.startsWith("/floor/");
    const binding = viaFloor ? floor : env.PRIVATE_API;
    const path = viaFloor ? url.pathname.slice("/floor".length) : url.pathname;
    const target = new URL(`${path}${url.search}`, env.SERVICE_URL);
    try {
      return await binding.fetch(target, {
        method: request.method,
        headers: { accept: request.headers.get("accept") ?? "*/*" },
        body: request.method === "GET" || request.method === "HEAD" ? null : request.body,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return Response.json({ error: message }, { status: 502 });
    }
  },
} satisfies ExportedHandler<Env>;
