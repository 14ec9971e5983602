import http from "node:http";
import type { AddressInfo } from "node:net";

/** One call wrangler made to the stand-in: method and path (query left off). */
export interface ApiCall {
  method: string;
  path: string;
}

/** A local stand-in for the few Cloudflare v4 API routes `pnpm run deploy` makes wrangler call. */
export interface CloudflareApiStandIn {
  /** What CLOUDFLARE_API_BASE_URL is set to, e.g. `http://127.0.0.1:1234/client/v4`. */
  baseUrl: string;
  accountId: string;
  calls: ApiCall[];
  /** D1 databases by name → uuid. */
  databases: Map<string, string>;
  /** Uploaded scripts by name, with how many times each was uploaded. */
  uploads: Map<string, number>;
  /** The last upload's multipart body (metadata with its bindings, and the modules) by name. */
  uploadBodies: Map<string, string>;
  /** Every SQL text sent to a D1 database, in order. */
  sql: string[];
  /** Secret names by script. */
  secrets: Map<string, string[]>;
  close(): Promise<void>;
}

const envelope = (result: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ success: true, errors: [], messages: [], result, ...extra });
const notFound = (code: number, message: string) =>
  JSON.stringify({ success: false, errors: [{ code, message }], messages: [], result: null });

/**
 * Answers as the Cloudflare API does for: D1 list/create/query, Worker script upload, the
 * workers.dev subdomain, cron schedules, secrets and versions, recording every call in order.
 * Anything else answers a v4 error, so a route wrangler starts needing shows up as a failure.
 */
export async function startCloudflareApi(accountId = "0123456789abcdef0123456789abcdef") {
  const calls: ApiCall[] = [];
  const databases = new Map<string, string>();
  const uploads = new Map<string, number>();
  const secrets = new Map<string, string[]>();
  const migrationsApplied = new Set<string>();
  const migrationTags = new Map<string, string>();
  const uploadBodies = new Map<string, string>();
  const sql: string[] = [];
  const subdomains = new Set<string>();
  let nextDb = 1;
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const method = request.method ?? "GET";
    const route = url.pathname.replace(/^\/client\/v4/, "");
    calls.push({ method, path: route });
    const send = (status: number, text: string) =>
      response.writeHead(status, { "content-type": "application/json" }).end(text);
    const account = `/accounts/${accountId}`;
    // The name or id a route is about (`.../scripts/<name>/...`, `.../d1/database/<uuid>/...`).
    const script = /\/workers\/(?:scripts|services)\/([^/]+)/.exec(route)?.[1] ?? "";
    const dbId = /\/d1\/database\/([^/]+)/.exec(route)?.[1] ?? "";
    if (method === "GET" && route === `${account}/d1/database`) {
      const page = Number(url.searchParams.get("page") ?? "1");
      const list =
        page > 1
          ? []
          : [...databases].map(([name, uuid]) => ({
              name,
              uuid,
              version: "production",
              created_at: "2026-01-01T00:00:00Z",
            }));
      return send(
        200,
        envelope(list, {
          result_info: { page, per_page: 1000, count: list.length, total_count: databases.size },
        }),
      );
    }
    if (method === "POST" && route === `${account}/d1/database`) {
      const { name } = JSON.parse(body) as { name: string };
      const uuid = `d1000000-0000-4000-8000-${String(nextDb++).padStart(12, "0")}`;
      databases.set(name, uuid);
      return send(200, envelope({ uuid, name, created_at: "2026-01-01T00:00:00Z" }));
    }
    if (route === `${account}/d1/database/${dbId}` && method === "GET") {
      const name = [...databases].find(([, uuid]) => uuid === dbId)?.[0];
      if (!name) return send(404, notFound(7404, "database not found"));
      return send(
        200,
        envelope({ uuid: dbId, name, version: "production", num_tables: 0, file_size: 0 }),
      );
    }
    if (
      route === `${account}/d1/database/${dbId}/query` ||
      route === `${account}/d1/database/${dbId}/raw`
    ) {
      const { sql: text } = JSON.parse(body) as { sql: string };
      sql.push(text);
      // The migrations table wrangler keeps: answer which migrations are applied.
      if (/SELECT \*\s+FROM d1_migrations/i.test(text)) {
        const rows = [...migrationsApplied].map((name, id) => ({ id: id + 1, name }));
        return send(200, envelope([{ results: rows, success: true, meta: {} }]));
      }
      for (const match of text.matchAll(
        /INSERT INTO d1_migrations \(name\)\s*values\s*\('([^']+)'\)/gi,
      )) {
        migrationsApplied.add(match[1] as string);
      }
      return send(200, envelope([{ results: [], success: true, meta: {} }]));
    }
    if (route === `${account}/workers/services/${script}` && method === "GET") {
      const name = script;
      if (!uploads.has(name))
        return send(404, notFound(10090, "This Worker does not exist on your account."));
      return send(
        200,
        envelope({
          id: name,
          default_environment: {
            environment: "production",
            script: { id: name, tag: name, migration_tag: migrationTags.get(name) },
          },
        }),
      );
    }
    // Static assets (the dashboard): the stand-in claims to hold every file already, so wrangler
    // uploads none and passes the session's token on as the completion token.
    if (
      route === `${account}/workers/scripts/${script}/assets-upload-session` &&
      method === "POST"
    ) {
      return send(200, envelope({ jwt: `assets-${script}`, buckets: [] }));
    }
    if (route === `${account}/workers/scripts/${script}` && method === "PUT") {
      const name = script;
      uploads.set(name, (uploads.get(name) ?? 0) + 1);
      uploadBodies.set(name, body);
      const tag = /"new_tag"\s*:\s*"([^"]+)"/.exec(body)?.[1];
      if (tag) migrationTags.set(name, tag);
      return send(
        200,
        envelope({
          id: name,
          etag: "e",
          handlers: ["fetch"],
          startup_time_ms: 1,
          deployment_id: `dep-${name}`,
          pipeline_hash: null,
          placement_mode: null,
        }),
      );
    }
    if (method === "GET" && route === `${account}/workers/scripts`) {
      return send(
        200,
        envelope([...uploads.keys()].map((id) => ({ id, migration_tag: migrationTags.get(id) }))),
      );
    }
    if (method === "GET" && route === `${account}/workers/subdomain`) {
      return send(200, envelope({ subdomain: "burrow-test" }));
    }
    if (route === `${account}/workers/scripts/${script}/subdomain`) {
      if (method === "GET")
        return send(200, envelope({ enabled: subdomains.has(script), previews_enabled: false }));
      subdomains.add(script);
      return send(200, envelope({ enabled: true, previews_enabled: false }));
    }
    if (route === `${account}/workers/scripts/${script}/schedules`) {
      return send(200, envelope({ schedules: [{ cron: "* * * * *" }] }));
    }
    if (route === `${account}/workers/scripts/${script}/secrets` && method === "GET") {
      return send(
        200,
        envelope((secrets.get(script) ?? []).map((name) => ({ name, type: "secret_text" }))),
      );
    }
    if (route === `${account}/workers/scripts/${script}/deployments`) {
      return send(200, envelope({ deployments: [] }));
    }
    if (method === "GET" && route === "/user") {
      return send(200, envelope({ id: "user", email: "deploy@example.test" }));
    }
    if (method === "GET" && route === "/user/tokens/verify") {
      return send(200, envelope({ id: "token", status: "active" }));
    }
    return send(404, notFound(10000, `stand-in has no route ${method} ${route}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    accountId,
    calls,
    databases,
    uploads,
    uploadBodies,
    sql,
    secrets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies CloudflareApiStandIn;
}
