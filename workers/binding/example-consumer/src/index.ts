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
    const target = new URL(`${url.pathname}${url.search}`, env.SERVICE_URL);
    try {
      return await env.PRIVATE_API.fetch(target, {
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
