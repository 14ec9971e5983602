import { h, replace } from "../dom.js";

/**
 * The edge's request log as a list, newest first: method, path, status and duration per entry,
 * and in its `<details>` the visitor, sizes, edge error, headers and any captured bodies.
 * @param {HTMLElement} root @param {any[]} entries
 */
export function drawRequests(root, entries) {
  replace(
    root,
    entries.map((entry) =>
      h(
        "li",
        { "data-request-id": entry.id },
        h(
          "details",
          null,
          h(
            "summary",
            null,
            h("span", { class: "method" }, entry.method),
            " ",
            h("code", { class: "path" }, entry.path),
            " ",
            h(
              "span",
              { class: `status status-${String(entry.status)[0]}xx`, "data-status": entry.status },
              entry.status,
            ),
            " ",
            h("span", { class: "muted" }, `${entry.duration_ms} ms`),
          ),
          h(
            "dl",
            { class: "facts" },
            h("dt", null, "Time"),
            h("dd", null, new Date(entry.at).toLocaleString()),
            h("dt", null, "Visitor IP"),
            h("dd", null, entry.client_ip || "—"),
            h("dt", null, "Connection"),
            h("dd", null, entry.conn_index ?? "—"),
            h("dt", null, "Sizes"),
            h("dd", null, `${entry.request_bytes} B in, ${entry.response_bytes} B out`),
            h("dt", null, "Edge error"),
            h("dd", null, entry.error ?? "—"),
          ),
          headerList("Request headers", entry.request_headers),
          headerList("Response headers", entry.response_headers),
          entry.request_body !== null ? bodyBlock("Request body", entry) : null,
          entry.response_body !== null ? bodyBlock("Response body", entry) : null,
        ),
      ),
    ),
  );
}

/** @param {string} title @param {string[][]} headers */
function headerList(title, headers) {
  if (headers.length === 0) return null;
  return h(
    "div",
    null,
    h("h4", null, title),
    h("pre", { class: "headers" }, headers.map(([name, value]) => `${name}: ${value}`).join("\n")),
  );
}

/** @param {string} title @param {any} entry */
function bodyBlock(title, entry) {
  const text = title === "Request body" ? entry.request_body : entry.response_body;
  return h(
    "div",
    null,
    h("h4", null, title, entry.body_truncated ? " (first 10 KiB)" : ""),
    h(
      "pre",
      { class: "body", "data-body": title === "Request body" ? "request" : "response" },
      text,
    ),
  );
}
