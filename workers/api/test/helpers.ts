import { env, exports } from "cloudflare:workers";
import { ACCOUNT, TEST_ADMIN_TOKEN } from "./fixtures";

/** A decoded envelope. */
export interface Envelope<T = Record<string, unknown>> {
  success: boolean;
  result: T;
  errors: Array<{ code: number; message: string }>;
  result_info?: { page: number; per_page: number; count: number; total_count: number };
}

/** Calls the API Worker at /client/v4 + `path`, with the admin token unless told otherwise. */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<{ status: number; contentType: string | null; body: Envelope<T> }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await exports.default.fetch(`https://edge.example/client/v4${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as Envelope<T>,
  };
}

/** The account's tunnel collection path. */
export const TUNNELS = `/accounts/${ACCOUNT}/cfd_tunnel`;

/** Creates a named tunnel and returns its id and base64 secret. */
export async function createNamed(name = `t-${crypto.randomUUID().slice(0, 8)}`) {
  const created = await api<{ id: string; credentials_file: { TunnelSecret: string } }>(
    "POST",
    TUNNELS,
    { name },
  );
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  return {
    id: created.body.result.id,
    secret: created.body.result.credentials_file.TunnelSecret,
    name,
  };
}

/** Opens a connector WebSocket through the edge's real /connect (secret checked there). */
export async function connect(
  tunnelId: string,
  secret: string,
  connectorId = crypto.randomUUID(),
  connIndex = 0,
): Promise<{ socket: WebSocket | null; status: number; closed: Promise<number> }> {
  const response = await env.EDGE.fetch("http://127.0.0.1/connect", {
    headers: {
      upgrade: "websocket",
      authorization: `Bearer ${secret}`,
      "x-burrow-tunnel-id": tunnelId,
      "x-burrow-connector-id": connectorId,
      "x-burrow-conn-index": String(connIndex),
      "x-burrow-version": "test",
      "x-burrow-arch": "test_arch",
    },
  });
  const socket = response.webSocket;
  if (!socket) return { socket: null, status: response.status, closed: Promise.resolve(0) };
  socket.accept();
  const closed = new Promise<number>((resolve) =>
    socket.addEventListener("close", (event) => resolve(event.code)),
  );
  return { socket, status: response.status, closed };
}

/** The tunnel fields tests read. */
export interface TunnelJson {
  id: string;
  name: string;
  status: string;
  deleted_at: string | null;
  config_src: string;
  token: string;
  [field: string]: unknown;
}

/** A `/connections` entry. */
export interface ConnectorJson {
  id: string;
  arch: string;
  conns: Array<{ is_pending_reconnect: boolean; client_id: string }>;
}
