import { h, replace } from "../dom.js";

/*
 * The traffic section's picture of the last hour, drawn from `/traffic`'s per-minute rows: a
 * summary of totals and two inline SVG charts (nothing from a CDN; the CSP allows only 'self').
 */

/** The charts span the last hour, one bar (or point) a minute. */
export const CHART_MINUTES = 60;
const SVG = "http://www.w3.org/2000/svg";
/** Status classes, drawn bottom to top, with the colors the stylesheet also uses. */
const CLASSES = [
  { key: "status_2xx", label: "2xx", color: "#2da44e" },
  { key: "status_3xx", label: "3xx", color: "#0b5cad" },
  { key: "status_4xx", label: "4xx", color: "#bf8700" },
  { key: "status_5xx", label: "5xx", color: "#cf222e" },
];

/**
 * The last hour, one entry per minute, zero where the API has no row (no traffic that minute).
 * @param {any[]} rows @param {number} now
 */
export function fillMinutes(rows, now) {
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

/**
 * Requests/s this minute, the hour's total and status classes, and its worst p99.
 * @param {HTMLElement} root @param {any[]} minutes as {@link fillMinutes} returns them
 */
export function drawSummary(root, minutes) {
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
export function requestsChart(minutes) {
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
export function latencyChart(/** @type {any[]} */ minutes) {
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
