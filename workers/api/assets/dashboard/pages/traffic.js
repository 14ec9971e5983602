import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { errorBanner } from "../format.js";

/** The live request list polls for newer entries this often (the API's `?after=` cursor). */
export const REQUESTS_POLL_MS = 2000;
/** The chart's per-minute aggregate changes slowly; fetched less often. */
const TRAFFIC_POLL_MS = 5000;
/** Entries shown in the live list; older ones stay in the API's log. */
const SHOWN_REQUESTS = 50;
const CHART_MINUTES = 60;
const SVG = "http://www.w3.org/2000/svg";
/** Status classes, drawn bottom to top, with the colors the stylesheet also uses. */
const CLASSES = [
  { key: "status_2xx", label: "2xx", color: "#2da44e" },
  { key: "status_3xx", label: "3xx", color: "#0b5cad" },
  { key: "status_4xx", label: "4xx", color: "#bf8700" },
  { key: "status_5xx", label: "5xx", color: "#cf222e" },
];

/**
 * The tunnel page's traffic section: requests/s, status classes and p50/p99 over the last hour
 * as inline SVG charts, the edge's request log as a live list, and the body-capture switch with
 * a banner while capture is on. Returns the section and a function that stops its polling.
 * @param {string} tunnelPath the account-scoped `/cfd_tunnel/{id}` path
 * @returns {{ element: HTMLElement, stop: () => void }}
 */
export function trafficSection(tunnelPath) {
  const summary = h("div", { class: "traffic-summary" });
  const charts = h("div", { class: "charts" });
  const banner = h("div", { class: "capture-slot" });
  const toggle = h("button", { type: "button", class: "secondary", "aria-pressed": "false" });
  const problem = h("div");
  const list = h("ol", { class: "request-list", "aria-label": "Recent requests, newest first" });
  const element = h(
    "section",
    { "aria-labelledby": "traffic-title" },
    h("h2", { id: "traffic-title" }, "Traffic"),
    problem,
    banner,
    summary,
    charts,
    h("div", { class: "request-log-head" }, h("h3", { id: "requests-title" }, "Requests"), toggle),
    h("p", { class: "muted" }, "The edge's request log: updated every 2 s, newest first."),
    list,
  );

  let stopped = false;
  let capture = false;
  /** @type {number | null} */
  let newestId = null;
  /** @type {any[]} */
  let shown = [];

  function drawCapture() {
    toggle.setAttribute("aria-pressed", String(capture));
    replace(toggle, capture ? "Turn body capture off" : "Turn body capture on");
    replace(
      banner,
      capture
        ? h(
            "div",
            { class: "capture-banner", role: "status", "data-capture": "on" },
            h("strong", null, "Body capture is on. "),
            "The edge keeps up to 10 KiB of each request and response body of this tunnel in its " +
              "request log. Authorization and Cookie values are always redacted.",
          )
        : null,
    );
  }

  toggle.addEventListener("click", async () => {
    toggle.setAttribute("disabled", "");
    try {
      const answer = await api("PUT", `${tunnelPath}/requests/capture`, {
        body: { enabled: !capture },
      });
      capture = answer.result.capture_enabled;
      drawCapture();
    } catch (error) {
      replace(problem, errorBanner(error));
    } finally {
      toggle.removeAttribute("disabled");
    }
  });

  async function pollRequests() {
    try {
      const query = newestId === null ? "limit=50" : `limit=100&after=${newestId}`;
      const answer = await api("GET", `${tunnelPath}/requests?${query}`);
      if (stopped) return;
      capture = answer.result.capture_enabled;
      drawCapture();
      const fresh = answer.result.requests;
      if (fresh.length > 0) {
        newestId = Number(fresh[0].id);
        shown = [...fresh, ...shown].slice(0, SHOWN_REQUESTS);
        drawRequests(list, shown);
      } else if (shown.length === 0) {
        replace(list, h("li", { class: "muted" }, "No request has reached this tunnel yet."));
      }
    } catch (error) {
      if (!stopped) replace(problem, errorBanner(error));
    }
  }

  async function pollTraffic() {
    try {
      const answer = await api("GET", `${tunnelPath}/traffic?minutes=${CHART_MINUTES}`);
      if (stopped) return;
      const minutes = fillMinutes(answer.result.per_minute, Date.now());
      drawSummary(summary, minutes);
      replace(charts, requestsChart(minutes), latencyChart(minutes));
    } catch (error) {
      if (!stopped) replace(problem, errorBanner(error));
    }
  }

  drawCapture();
  pollRequests();
  pollTraffic();
  const timers = [
    setInterval(pollRequests, REQUESTS_POLL_MS),
    setInterval(pollTraffic, TRAFFIC_POLL_MS),
  ];
  return {
    element,
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
    },
  };
}

/**
 * The last hour, one entry per minute, zero where the API has no row (no traffic that minute).
 * @param {any[]} rows @param {number} now
 */
function fillMinutes(rows, now) {
  const byMinute = new Map(rows.map((row) => [Date.parse(row.minute), row]));
  const last = now - (now % 60_000);
  const minutes = [];
  for (let i = CHART_MINUTES - 1; i >= 0; i -= 1) {
    const at = last - i * 60_000;
    minutes.push(
      byMinute.get(at) ?? {
        minute: new Date(at).toISOString(),
        requests: 0,
        status_2xx: 0,
        status_3xx: 0,
        status_4xx: 0,
        status_5xx: 0,
        p50_ms: null,
        p99_ms: null,
      },
    );
  }
  return minutes;
}

/** @param {HTMLElement} root @param {any[]} minutes */
function drawSummary(root, minutes) {
  const total = minutes.reduce((sum, row) => sum + row.requests, 0);
  const current = minutes.at(-1)?.requests ?? 0;
  const classes = CLASSES.map(({ key, label }) => [
    label,
    minutes.reduce((sum, row) => sum + row[key], 0),
  ]);
  const p99 = Math.max(0, ...minutes.map((row) => row.p99_ms ?? 0));
  replace(
    root,
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Requests/s (this minute)"),
      h("dd", { "data-rps": "" }, (current / 60).toFixed(2)),
      h("dt", null, "Requests (last hour)"),
      h("dd", { "data-total": String(total) }, total),
      h("dt", null, "Status classes"),
      h("dd", null, classes.map(([label, count]) => `${label}: ${count}`).join(" · ")),
      h("dt", null, "Worst p99 (last hour)"),
      h("dd", null, total > 0 ? `${p99} ms` : "—"),
    ),
  );
}

/** @param {string} tag @param {Record<string, string | number>} attrs @param {...Node} children */
function svg(tag, attrs, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.appendChild(child);
  return element;
}

/** @param {string} text */
function svgText(text) {
  const title = document.createElementNS(SVG, "title");
  title.textContent = text;
  return title;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD_LEFT = 48;
const PAD_BOTTOM = 24;

/**
 * A frame with a y axis labelled 0 and `max`, x labelled -60 min … now; scales to the page width.
 * @param {string} label @param {number} max (its unit is in the figure's caption)
 */
function chartFrame(label, max) {
  const frame = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": label,
    class: "chart",
  });
  frame.appendChild(svgText(label));
  const axis = { stroke: "#d0d7de", "stroke-width": 1 };
  frame.append(
    svg("line", { x1: PAD_LEFT, y1: 4, x2: PAD_LEFT, y2: HEIGHT - PAD_BOTTOM, ...axis }),
    svg("line", {
      x1: PAD_LEFT,
      y1: HEIGHT - PAD_BOTTOM,
      x2: WIDTH,
      y2: HEIGHT - PAD_BOTTOM,
      ...axis,
    }),
  );
  const text = (x, y, value, anchor = "end") => {
    const node = svg("text", { x, y, "text-anchor": anchor, "font-size": 16, fill: "#57606a" });
    node.textContent = value;
    return node;
  };
  frame.append(
    text(PAD_LEFT - 4, 16, `${max}`),
    text(PAD_LEFT - 4, HEIGHT - PAD_BOTTOM, "0"),
    text(PAD_LEFT, HEIGHT - 4, "−60 min", "start"),
    text(WIDTH, HEIGHT - 4, "now"),
  );
  return frame;
}

/** Stacked bars: requests per minute by status class. @param {any[]} minutes */
function requestsChart(minutes) {
  const max = Math.max(1, ...minutes.map((row) => row.requests));
  const total = minutes.reduce((sum, row) => sum + row.requests, 0);
  const frame = chartFrame(
    `Requests per minute over the last hour by status class: ${total} requests`,
    max,
  );
  const slot = (WIDTH - PAD_LEFT) / minutes.length;
  const plotHeight = HEIGHT - PAD_BOTTOM - 4;
  minutes.forEach((row, index) => {
    let y = HEIGHT - PAD_BOTTOM;
    for (const { key, label, color } of CLASSES) {
      const count = row[key];
      if (count === 0) continue;
      const height = (count / max) * plotHeight;
      y -= height;
      const bar = svg("rect", {
        x: PAD_LEFT + index * slot + 1,
        y,
        width: Math.max(1, slot - 2),
        height,
        fill: color,
        "data-status-class": label,
      });
      bar.appendChild(svgText(`${row.minute}: ${count} × ${label}`));
      frame.appendChild(bar);
    }
  });
  return figure(frame, "Requests per minute", CLASSES);
}

/** p50 and p99 duration per minute as two lines (minutes without traffic are gaps). */
function latencyChart(/** @type {any[]} */ minutes) {
  const max = Math.max(1, ...minutes.map((row) => row.p99_ms ?? 0));
  const frame = chartFrame("p50 and p99 request duration per minute over the last hour", max);
  const slot = (WIDTH - PAD_LEFT) / minutes.length;
  const plotHeight = HEIGHT - PAD_BOTTOM - 4;
  const lines = [
    { key: "p50_ms", label: "p50", color: "#0b5cad" },
    { key: "p99_ms", label: "p99", color: "#cf222e" },
  ];
  for (const { key, label, color } of lines) {
    let path = "";
    let pen = "M";
    minutes.forEach((row, index) => {
      const value = row[key];
      if (value === null || value === undefined || row.requests === 0) {
        pen = "M";
        return;
      }
      const x = PAD_LEFT + index * slot + slot / 2;
      const y = HEIGHT - PAD_BOTTOM - (value / max) * plotHeight;
      path += `${pen}${x.toFixed(1)},${y.toFixed(1)} `;
      pen = "L";
      const dot = svg("circle", { cx: x, cy: y, r: 2.5, fill: color, "data-latency": label });
      dot.appendChild(svgText(`${row.minute}: ${label} ${value} ms`));
      frame.appendChild(dot);
    });
    if (path) {
      frame.appendChild(
        svg("path", { d: path.trim(), fill: "none", stroke: color, "stroke-width": 2 }),
      );
    }
  }
  return figure(frame, "Duration in ms, p50 / p99", lines);
}

/** @param {SVGElement} chart @param {string} caption @param {Array<{label: string, color: string}>} legend */
function figure(chart, caption, legend) {
  return h(
    "figure",
    { class: "chart-figure" },
    chart,
    h(
      "figcaption",
      null,
      caption,
      " ",
      legend.map(({ label, color }) =>
        h("span", { class: "legend" }, h("span", { class: "swatch", "data-color": color }), label),
      ),
    ),
  );
}

/** @param {HTMLElement} root @param {any[]} entries */
function drawRequests(root, entries) {
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
