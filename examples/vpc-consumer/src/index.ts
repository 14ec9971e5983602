/**
 * `GET /<path>` answers what the private service answered for `<SERVICE_URL>/<path>`, fetched
 * through the PRIVATE_API binding; 502 with the reason when the binding throws (the service is
 * unknown, its tunnel has no connector, the connector refused the address), as Workers VPC does.
 */
interface Env {
  PRIVATE_API: Fetcher;
  SERVICE_URL: string;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const target = new URL(`${url.pathname}${url.search}`, env.SERVICE_URL);
    try {
      return await env.PRIVATE_API.fetch(target, {
        method: request.method,
        headers: request.headers,
        body: request.method === "GET" || request.method === "HEAD" ? null : request.body,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return Response.json({ error: message }, { status: 502 });
    }
  },
} satisfies ExportedHandler<Env>;
