import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { errorBanner } from "../format.js";
import { drawRequests } from "./request-list.js";
import {
  CHART_MINUTES,
  drawSummary,
  fillMinutes,
  latencyChart,
  requestsChart,
} from "./traffic-charts.js";

/** The live request list polls for newer entries this often (the API's `?after=` cursor). */
export const REQUESTS_POLL_MS = 2000;
/** The chart's per-minute aggregate changes slowly; fetched less often. */
const TRAFFIC_POLL_MS = 5000;
/** Entries shown in the live list; older ones stay in the API's log. */
const SHOWN_REQUESTS = 50;

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
