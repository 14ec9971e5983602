// The inspector page: the list from GET /api/requests/http, kept live by /api/events (SSE); a
// selected request is read whole from GET /api/requests/http/:id. Nothing leaves this origin.

/** @type {Map<string, {id: string, method: string, uri: string, start: string, duration: number, status_code: number | null, state: string, replay_of: string | null}>} */
const requests = new Map();
let selectedId = null;
/** The selected request as the API returned it (ngrok's shape). */
let selected = null;

const $ = (id) => document.getElementById(id);
const rows = $("requests").querySelector("tbody");

function summaryOf(request) {
  return {
    id: request.id,
    method: request.request.method,
    uri: request.request.uri,
    start: request.start,
    duration: request.duration,
    status_code: request.response ? request.response.status_code : null,
    state: request.burrow.state,
    replay_of: request.replay_of,
  };
}

function statusClass(summary) {
  if (summary.state === "failed") return "failed";
  return summary.status_code ? String(summary.status_code)[0] : "";
}

function formatDuration(ns) {
  if (!ns) return "…";
  const ms = ns / 1e6;
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function passesFilters(summary) {
  const path = $("filter-path").value.trim();
  if (path && !summary.uri.includes(path)) return false;
  const status = $("filter-status").value;
  if (status && statusClass(summary) !== status) return false;
  const slower = Number($("filter-duration").value);
  if (slower > 0 && summary.duration / 1e6 < slower) return false;
  return true;
}

function renderList() {
  const shown = [...requests.values()]
    .sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : b.id.localeCompare(a.id)))
    .filter(passesFilters);
  rows.replaceChildren(
    ...shown.map((summary) => {
      const row = document.createElement("tr");
      row.dataset.requestId = summary.id;
      row.setAttribute("aria-selected", String(summary.id === selectedId));
      const time = document.createElement("td");
      time.textContent = new Date(summary.start).toLocaleTimeString();
      const method = document.createElement("td");
      method.textContent = summary.method;
      const path = document.createElement("td");
      const open = document.createElement("button");
      open.type = "button";
      open.className = "path";
      open.textContent = summary.uri;
      open.addEventListener("click", () => select(summary.id));
      path.append(open);
      if (summary.replay_of) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "replay";
        path.append(badge);
      }
      const status = document.createElement("td");
      status.className = `status-${statusClass(summary)}`;
      status.textContent =
        summary.state === "failed" && !summary.status_code
          ? "failed"
          : String(summary.status_code ?? "…");
      const duration = document.createElement("td");
      duration.textContent = formatDuration(summary.duration);
      row.append(time, method, path, status, duration);
      return row;
    }),
  );
  $("empty").hidden = requests.size > 0;
}

/** Splits base64 of an HTTP message into its body bytes (after the blank line). */
function bodyBytes(raw) {
  const binary = atob(raw);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return bytes.subarray(i + 4);
    }
  }
  return new Uint8Array(0);
}

function headerValue(headers, name) {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key][0] : "";
}

/** Control characters other than tab, newline and carriage return: a sign of binary data. */
function hasControlBytes(text) {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 && code !== 9 && code !== 10 && code !== 13) return true;
  }
  return false;
}

/** JSON pretty-printed, text as text, anything else as its size. */
function renderBody(container, headers, raw, info) {
  const bytes = bodyBytes(raw);
  container.replaceChildren();
  const note = document.createElement("p");
  if (info.size === 0) {
    note.textContent = "No body.";
    container.append(note);
    return;
  }
  const type = headerValue(headers, "content-type").toLowerCase();
  let text = null;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = null;
  }
  const looksText =
    text !== null &&
    (/^text\/|json|xml|javascript|x-www-form-urlencoded|graphql/.test(type) ||
      // No control bytes other than whitespace: shown as text whatever the type says.
      !hasControlBytes(text));
  if (!looksText) {
    note.textContent = `Binary body, ${info.size} bytes${info.truncated ? ` (first ${info.captured} captured)` : ""}.`;
    container.append(note);
    return;
  }
  let shown = text;
  if (type.includes("json") && !info.truncated) {
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not valid JSON after all: shown as it came.
    }
  }
  const pre = document.createElement("pre");
  pre.textContent = shown;
  container.append(pre);
  if (info.truncated) {
    note.textContent = `Truncated: ${info.captured} of ${info.size} bytes captured.`;
    container.append(note);
  }
}

function renderHeaders(table, headers) {
  table.replaceChildren(
    ...Object.entries(headers).flatMap(([name, values]) =>
      values.map((value) => {
        const row = document.createElement("tr");
        const key = document.createElement("th");
        key.scope = "row";
        key.textContent = name;
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(key, cell);
        return row;
      }),
    ),
  );
}

function renderDetail() {
  const detail = $("detail");
  if (!selected) {
    detail.hidden = true;
    return;
  }
  detail.hidden = false;
  const r = selected;
  $("detail-heading").textContent = `${r.request.method} ${r.request.uri}`;
  const parts = [new Date(r.start).toLocaleString(), formatDuration(r.duration)];
  if (r.remote_addr) parts.push(`from ${r.remote_addr}`);
  if (r.burrow.conn_index !== null) parts.push(`connection ${r.burrow.conn_index}`);
  if (r.replay_of) parts.push(`replay of ${r.replay_of}`);
  if (r.burrow.error) parts.push(`error: ${r.burrow.error}`);
  $("detail-summary").textContent = parts.join(" · ");
  renderHeaders($("request-headers"), r.request.headers);
  renderBody($("request-body"), r.request.headers, r.request.raw, r.burrow.request_body);
  if (r.response) {
    $("response-status").textContent = r.response.status;
    renderHeaders($("response-headers"), r.response.headers);
    renderBody($("response-body"), r.response.headers, r.response.raw, r.burrow.response_body);
  } else {
    $("response-status").textContent = r.burrow.state === "failed" ? "(none: failed)" : "(waiting)";
    $("response-headers").replaceChildren();
    $("response-body").replaceChildren();
  }
}

async function select(id) {
  selectedId = id;
  $("replay-form").hidden = true;
  $("replay-status").textContent = "";
  renderList();
  await refreshSelected();
}

async function refreshSelected() {
  if (!selectedId) return;
  const response = await fetch(`/api/requests/http/${selectedId}`);
  selected = response.ok ? await response.json() : null;
  renderDetail();
}

async function sendReplay(changes) {
  if (!selected) return;
  $("replay-status").textContent = "replaying…";
  const response = await fetch("/api/requests/http", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: selected.id, tunnel_name: selected.tunnel_name, ...changes }),
  });
  if (response.status === 204) {
    $("replay-status").textContent =
      `replayed as ${response.headers.get("x-burrow-replay-id") ?? "a new request"}`;
  } else {
    const error = await response.json().catch(() => ({ msg: response.statusText }));
    $("replay-status").textContent = `replay refused: ${error.msg}`;
  }
}

$("replay").addEventListener("click", () => sendReplay({}));
$("replay-edit").addEventListener("click", () => {
  if (!selected) return;
  const r = selected;
  $("replay-method").value = r.request.method;
  $("replay-path").value = r.request.uri;
  $("replay-headers").value = Object.entries(r.request.headers)
    .flatMap(([name, values]) => values.map((value) => `${name}: ${value}`))
    .filter((line) => !/^(content-length|transfer-encoding):/i.test(line))
    .join("\n");
  const bytes = bodyBytes(r.request.raw);
  $("replay-body").value = new TextDecoder().decode(bytes);
  $("replay-form").hidden = false;
  $("replay-method").focus();
});
$("replay-cancel").addEventListener("click", () => {
  $("replay-form").hidden = true;
});
$("replay-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const headers = $("replay-headers")
    .value.split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    })
    .filter(([name]) => name);
  $("replay-form").hidden = true;
  void sendReplay({
    method: $("replay-method").value.trim(),
    path: $("replay-path").value.trim(),
    headers,
    body: $("replay-body").value,
  });
});
$("clear").addEventListener("click", async () => {
  await fetch("/api/requests/http", { method: "DELETE" });
});
for (const id of ["filter-path", "filter-status", "filter-duration"]) {
  $(id).addEventListener("input", renderList);
}
$("filters").addEventListener("submit", (event) => event.preventDefault());

async function load() {
  const response = await fetch("/api/requests/http");
  const list = await response.json();
  for (const request of list.requests) requests.set(request.id, summaryOf(request));
  renderList();
}

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    $("live").textContent = "live";
    void load();
  });
  events.addEventListener("update", (event) => {
    const summary = JSON.parse(event.data);
    requests.set(summary.id, summary);
    renderList();
    if (summary.id === selectedId) void refreshSelected();
  });
  events.addEventListener("clear", () => {
    requests.clear();
    selectedId = null;
    selected = null;
    renderList();
    renderDetail();
  });
  // EventSource reconnects on its own; the list is reloaded on each open.
  events.addEventListener("error", () => {
    $("live").textContent = "reconnecting…";
  });
}

renderList();
connect();
