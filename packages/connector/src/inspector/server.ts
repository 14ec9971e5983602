import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Header } from "@burrow/wire";
import { ConnectorError } from "../connector-error";
import type { OriginRouter } from "../origin-router";
import { type NgrokRequest, REQUESTS_URI, requestPath, toNgrok } from "./ngrok-shape";
import { type ReplayChanges, replay } from "./replay";
import type { Exchange, InspectorStore } from "./store";

/** A replay request (with changes) is small JSON; anything bigger is refused unread. */
const MAX_API_BODY_BYTES = 2 * 1024 * 1024;
/** The page's files, served from the package (no CDN, nothing fetched). */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/inspector.js": { file: "inspector.js", type: "text/javascript; charset=utf-8" },
  "/inspector.css": { file: "inspector.css", type: "text/css; charset=utf-8" },
};

/** What the inspector server reads. */
export interface InspectorServerOptions {
  store: InspectorStore;
  /** The router in force now: a replay goes where a new request from the edge would. */
  router: () => OriginRouter;
  /** ngrok's `tunnel_name`: the quick tunnel's hostname, or the named tunnel's id. */
  tunnelName: string;
  /** True when bound beyond loopback on purpose: any Host is then accepted. */
  public: boolean;
}

/** One request's line in the live list (SSE): no headers or bodies, which the page fetches. */
export interface ExchangeSummary {
  id: string;
  method: string;
  uri: string;
  start: string;
  duration: number;
  status_code: number | null;
  state: Exchange["state"];
  replay_of: string | null;
  conn_index: number | null;
}

export function summary(exchange: Exchange): ExchangeSummary {
  return {
    id: exchange.id,
    method: exchange.head.method,
    uri: requestPath(exchange),
    start: new Date(exchange.startedAtMs).toISOString(),
    duration: exchange.durationNs ?? 0,
    status_code: exchange.response?.status ?? null,
    state: exchange.state,
    replay_of: exchange.replayOf,
    conn_index: exchange.connIndex,
  };
}

/**
 * The inspector's HTTP handler: the page, its live feed (`/api/events`, SSE), and ngrok's agent
 * API for captured requests (`/api/requests/http`: list, one, replay, clear).
 */
export function inspectorHandler(options: InspectorServerOptions): http.RequestListener {
  const { store, tunnelName } = options;
  const shape = (exchange: Exchange): NgrokRequest => toNgrok(exchange, tunnelName);
  return async (request, response) => {
    // A web page the operator visits could point a name of its own at 127.0.0.1 (DNS
    // rebinding) and read every body: only loopback names are served unless bound publicly.
    if (!options.public && !isLoopbackHost(request.headers.host ?? "")) {
      return sendError(response, 403, "this inspector answers only to a loopback Host");
    }
    const url = new URL(request.url ?? "/", "http://inspector");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = request.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      // A cross-site form cannot send JSON without a CORS preflight, which is never answered,
      // and a page's Origin must be this server: no other site can replay or clear.
      const origin = request.headers.origin;
      if (origin && new URL(origin).host !== request.headers.host) {
        return sendError(response, 403, "cross-origin requests are refused");
      }
    }
    try {
      const asset = ASSETS[path];
      if (asset && method === "GET") {
        const body = await readFile(new URL(`./assets/${asset.file}`, import.meta.url));
        response.writeHead(200, {
          "content-type": asset.type,
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
          "content-security-policy":
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        });
        response.end(body);
        return;
      }
      if (path === "/api/events" && method === "GET") return events(store, response);
      if (path === REQUESTS_URI) {
        if (method === "GET") {
          const limit = Number(url.searchParams.get("limit") ?? store.maxRequests);
          const requests = store.list().slice(0, Math.max(0, limit)).map(shape);
          return sendJson(response, 200, { uri: REQUESTS_URI, requests });
        }
        if (method === "DELETE") {
          store.clear();
          response.writeHead(204).end();
          return;
        }
        if (method === "POST") return await replayCall(options, request, response);
        return sendError(response, 405, "method not allowed");
      }
      const match = /^\/api\/requests\/http\/([0-9a-f]+)$/.exec(path);
      if (match && method === "GET") {
        const exchange = store.get(match[1]!);
        if (!exchange) return sendError(response, 404, "no such request");
        return sendJson(response, 200, shape(exchange));
      }
      return sendError(response, 404, "not found");
    } catch (error) {
      return sendError(response, 400, (error as Error).message);
    }
  };
}

/** ngrok's replay: `POST /api/requests/http {id, tunnel_name}`, 204; Burrow adds the changes. */
async function replayCall(
  options: InspectorServerOptions,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  if (!(request.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
    return sendError(response, 415, "send the replay as application/json");
  }
  const input = (await readJson(request)) as Record<string, unknown> | null;
  if (!input || typeof input.id !== "string") return sendError(response, 400, "id is required");
  const original = options.store.get(input.id);
  if (!original) return sendError(response, 404, "no such request");
  const changes: ReplayChanges = {};
  if (typeof input.method === "string") changes.method = input.method;
  if (typeof input.path === "string") changes.path = input.path;
  if (typeof input.body === "string") changes.body = input.body;
  if (input.headers !== undefined) changes.headers = headerList(input.headers);
  const result = replay(original, changes, options.router(), options.store);
  if (!result.ok) return sendError(response, 422, result.reason);
  // ngrok answers 204; the replay's id rides in a header for clients that want it.
  response.writeHead(204, { "x-burrow-replay-id": result.id }).end();
}

/** `[[name, value], …]` or ngrok's `{ Name: [values] }`. */
function headerList(input: unknown): Header[] {
  if (Array.isArray(input)) {
    return input.map((pair) => {
      if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
        throw new Error("headers must be [name, value] pairs");
      }
      return [pair[0], pair[1]];
    });
  }
  if (input && typeof input === "object") {
    return Object.entries(input).flatMap(([name, values]) =>
      (Array.isArray(values) ? values : [values]).map((value) => [name, String(value)] as Header),
    );
  }
  throw new Error("headers must be a list of [name, value] pairs");
}

/** The live feed: one `update` event per change (a summary), `clear` when cleared. */
function events(store: InspectorStore, response: http.ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  response.write(": inspector\n\n");
  const unsubscribe = store.subscribe((event) => {
    if (event.kind === "clear") response.write("event: clear\ndata: {}\n\n");
    else response.write(`event: update\ndata: ${JSON.stringify(summary(event.exchange))}\n\n`);
  });
  // The response, not the request: a GET's request side is over at once, the stream is not.
  response.on("close", unsubscribe);
}

function isLoopbackHost(hostHeader: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_API_BODY_BYTES) throw new Error("request too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new Error("body is not JSON");
  }
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  response.end(body);
}

/** ngrok's error shape: `{error_code, status_code, msg, details}`. */
function sendError(response: http.ServerResponse, status: number, msg: string): void {
  sendJson(response, status, { error_code: status, status_code: status, msg, details: {} });
}

/** Where `--inspect` asked the inspector to listen. */
export interface InspectAddress {
  host: string;
  port: number;
  /** The default 127.0.0.1:4040: if taken, 4041…4049, then any free port, as a convenience. */
  fallback: boolean;
}

/** ngrok's inspector port; the next ones are tried when it is taken (another tunnel runs). */
export const DEFAULT_INSPECT_PORT = 4040;
const FALLBACK_PORTS = 10;

/**
 * Reads `--inspect`: unset means `defaultOn` (quick tunnels) or off (`tunnel run`); `false`,
 * `off`, `no` and `--no-inspect` turn it off; `true` is the default address; else `host:port`.
 */
export function parseInspectFlag(
  value: string | boolean | undefined,
  defaultOn: boolean,
): InspectAddress | null {
  const fallbackAddress = { host: "127.0.0.1", port: DEFAULT_INSPECT_PORT, fallback: true };
  if (value === undefined || value === "") return defaultOn ? fallbackAddress : null;
  if (value === false || /^(false|off|no|0)$/i.test(String(value))) return null;
  if (value === true || /^(true|on|yes)$/i.test(String(value))) return fallbackAddress;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(String(value));
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new ConnectorError(
      `bad --inspect "${value}"`,
      "expected host:port, or false to turn the inspector off",
      "e.g. --inspect 127.0.0.1:4040",
    );
  }
  return { host: match[1] ?? match[2]!, port, fallback: false };
}

/** True for addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The warning logged when the inspector is reachable beyond this machine; null on loopback. */
export function exposureWarning(host: string, url: string): string | null {
  if (isLoopbackAddress(host)) return null;
  return `warning: the inspector listens on ${url}, beyond loopback: anyone who can reach it reads every request's headers and bodies and can replay them`;
}

/** A running inspector. */
export interface Inspector {
  server: http.Server;
  /** `http://127.0.0.1:4040`, as bound. */
  url: string;
  close(): void;
}

/**
 * Serves the inspector at `address`, falling back to the next ports for the default address.
 * Logs where it listens, and warns when that is beyond loopback (bodies carry secrets).
 */
export async function startInspector(
  address: InspectAddress,
  options: Omit<InspectorServerOptions, "public">,
  log: (message: string) => void,
): Promise<Inspector> {
  const loopback = isLoopbackAddress(address.host);
  const server = http.createServer(inspectorHandler({ ...options, public: !loopback }));
  const ports = address.fallback
    ? [...Array.from({ length: FALLBACK_PORTS }, (_, i) => address.port + i), 0]
    : [address.port];
  let lastError: Error | null = null;
  for (const port of ports) {
    try {
      await listen(server, address.host, port);
      lastError = null;
      break;
    } catch (error) {
      lastError = error as Error;
    }
  }
  if (lastError) {
    throw new ConnectorError(
      `cannot serve the inspector on ${address.host}:${address.port}`,
      lastError.message,
      "pick another --inspect address, or --inspect false",
    );
  }
  const bound = server.address() as AddressInfo;
  const host = bound.address.includes(":") ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  log(`inspector on ${url}`);
  const warning = exposureWarning(address.host, url);
  if (warning) log(warning);
  return {
    server,
    url,
    close: () => {
      // The live feed holds connections open; they would keep close() waiting forever.
      server.closeAllConnections();
      server.close();
    },
  };
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
