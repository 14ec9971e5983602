import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime, errorBanner, since, statusBadge } from "../format.js";

/** How often the list refreshes itself while it is on screen. */
export const REFRESH_MS = 3000;

/**
 * The account's tunnels: name, id, kind, status, live connections, uptime, created; filtered by
 * status (asked of the API) and by a name search (in the page), refreshed every few seconds.
 * @param {HTMLElement} main
 */
export function renderTunnels(main) {
  const search = h("input", {
    id: "tunnel-search",
    type: "search",
    placeholder: "part of a name",
    autocomplete: "off",
  });
  const status = h(
    "select",
    { id: "tunnel-status" },
    ["", "healthy", "degraded", "down", "inactive"].map((value) =>
      h("option", { value }, value === "" ? "Any status" : value[0].toUpperCase() + value.slice(1)),
    ),
  );
  const body = h("tbody");
  const updated = h("p", { class: "muted", role: "status", "aria-live": "polite" });
  const problem = h("div");
  const table = h(
    "table",
    { class: "list" },
    h("caption", { class: "visually-hidden" }, "Tunnels of this account"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Name", "ID", "Kind", "Status", "Connections", "Uptime", "Created"].map((text) =>
          h("th", { scope: "col" }, text),
        ),
      ),
    ),
    body,
  );
  replace(
    main,
    h("h1", null, "Tunnels"),
    h(
      "div",
      { class: "filters", role: "search" },
      h("div", { class: "field" }, h("label", { for: "tunnel-search" }, "Search by name"), search),
      h("div", { class: "field" }, h("label", { for: "tunnel-status" }, "Status"), status),
    ),
    problem,
    h("div", { class: "table-wrap" }, table),
    updated,
  );

  /** @type {any[]} */
  let tunnels = [];
  let stopped = false;

  function draw() {
    const needle = /** @type {HTMLInputElement} */ (search).value.trim().toLowerCase();
    const shown = tunnels.filter((tunnel) => tunnel.name.toLowerCase().includes(needle));
    if (shown.length === 0) {
      replace(
        body,
        h("tr", null, h("td", { colspan: 7, class: "empty" }, "No tunnels match these filters.")),
      );
      return;
    }
    replace(body, shown.map(row));
  }

  async function load() {
    const wanted = /** @type {HTMLSelectElement} */ (status).value;
    const query = new URLSearchParams({ per_page: "1000" });
    if (wanted) query.set("status", wanted);
    try {
      const answer = await api("GET", accountPath(`/cfd_tunnel?${query}`));
      if (stopped) return;
      tunnels = answer.result;
      problem.replaceChildren();
      draw();
      replace(updated, `Updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      if (!stopped) replace(problem, errorBanner(error));
    }
  }

  search.addEventListener("input", draw);
  status.addEventListener("change", load);
  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** @param {any} tunnel */
function row(tunnel) {
  const live = tunnel.status === "healthy" || tunnel.status === "degraded";
  return h(
    "tr",
    { "data-tunnel-id": tunnel.id },
    h("td", { "data-label": "Name" }, h("a", { href: `#/tunnels/${tunnel.id}` }, tunnel.name)),
    h("td", { "data-label": "ID" }, h("code", null, tunnel.id)),
    h("td", { "data-label": "Kind" }, tunnel.metadata?.quick_tunnel ? "quick" : "named"),
    h("td", { "data-label": "Status" }, statusBadge(tunnel.status)),
    h("td", { "data-label": "Connections", "data-connections": true }, tunnel.connections.length),
    h("td", { "data-label": "Uptime" }, live ? since(tunnel.conns_active_at) : "—"),
    h("td", { "data-label": "Created" }, dateTime(tunnel.created_at)),
  );
}
