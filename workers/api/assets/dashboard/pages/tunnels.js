import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime, errorBanner, since, statusBadge } from "../format.js";
import { tableHead, tableRow } from "./list-page.js";

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
    tableHead(TUNNEL_COLUMNS),
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
        h(
          "tr",
          null,
          h(
            "td",
            { colspan: TUNNEL_COLUMNS.length, class: "empty" },
            "No tunnels match these filters.",
          ),
        ),
      );
      return;
    }
    replace(
      body,
      shown.map((tunnel) => tableRow(TUNNEL_COLUMNS, tunnel, { "data-tunnel-id": tunnel.id })),
    );
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
function live(tunnel) {
  return tunnel.status === "healthy" || tunnel.status === "degraded";
}

/** @type {import("./list-page.js").Column[]} */
const TUNNEL_COLUMNS = [
  { label: "Name", cell: (tunnel) => h("a", { href: `#/tunnels/${tunnel.id}` }, tunnel.name) },
  { label: "ID", cell: (tunnel) => h("code", null, tunnel.id) },
  { label: "Kind", cell: (tunnel) => (tunnel.metadata?.quick_tunnel ? "quick" : "named") },
  { label: "Status", cell: (tunnel) => statusBadge(tunnel.status) },
  {
    label: "Connections",
    cell: (tunnel) => tunnel.connections.length,
    attrs: { "data-connections": true },
  },
  { label: "Uptime", cell: (tunnel) => (live(tunnel) ? since(tunnel.conns_active_at) : "—") },
  { label: "Created", cell: (tunnel) => dateTime(tunnel.created_at) },
];
