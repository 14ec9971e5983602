import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import {
  clearFormErrors,
  dateTime,
  errorBanner,
  field,
  formAlert,
  showFormError,
  since,
  statusBadge,
} from "../format.js";
import { currentSession } from "../session.js";
import { listTable } from "./list-page.js";
import { trafficSection } from "./traffic.js";
import { REFRESH_MS } from "./tunnels.js";

/**
 * One tunnel: status, its connectors and each connection (refreshed every few seconds), its DNS
 * routes, and its ingress configuration — an editor for remotely managed (`config_src:
 * "cloudflare"`) tunnels that shows the API's validation errors beside the rule they name.
 * @param {HTMLElement} main
 * @param {string[]} params
 */
export function renderTunnel(main, [id]) {
  const tunnelPath = accountPath(`/cfd_tunnel/${id}`);
  const heading = h("h1", null, "Tunnel");
  const summary = h("div", { class: "card" });
  const connectors = h("div");
  const routes = h("div");
  const config = h("div");
  const problem = h("div");
  const traffic = trafficSection(tunnelPath);
  replace(
    main,
    h("p", null, h("a", { href: "#/tunnels" }, "← All tunnels")),
    heading,
    problem,
    summary,
    h(
      "section",
      { "aria-labelledby": "connectors-title" },
      h("h2", { id: "connectors-title" }, "Connectors"),
      connectors,
    ),
    h(
      "section",
      { "aria-labelledby": "routes-title" },
      h("h2", { id: "routes-title" }, "DNS routes"),
      routes,
    ),
    h(
      "section",
      { "aria-labelledby": "config-title" },
      h("h2", { id: "config-title" }, "Ingress configuration"),
      config,
    ),
    traffic.element,
  );

  let stopped = false;
  let configShown = false;

  async function load() {
    try {
      const [tunnel, conns] = await Promise.all([
        api("GET", tunnelPath),
        api("GET", `${tunnelPath}/connections`),
      ]);
      if (stopped) return;
      problem.replaceChildren();
      replace(heading, tunnel.result.name);
      drawSummary(summary, tunnel.result);
      drawConnectors(connectors, conns.result);
      if (!configShown) {
        configShown = true;
        loadRoutes(routes, id);
        loadConfig(config, tunnel.result, tunnelPath);
      }
    } catch (error) {
      if (!stopped) replace(problem, errorBanner(error));
    }
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    traffic.stop();
  };
}

/** @param {HTMLElement} root @param {any} tunnel */
function drawSummary(root, tunnel) {
  const live = tunnel.status === "healthy" || tunnel.status === "degraded";
  replace(
    root,
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Status"),
      h("dd", { "data-tunnel-status": tunnel.status }, statusBadge(tunnel.status)),
      h("dt", null, "ID"),
      h("dd", null, h("code", null, tunnel.id)),
      h("dt", null, "Kind"),
      h("dd", null, tunnel.metadata?.quick_tunnel ? "quick" : "named"),
      h("dt", null, "Configuration"),
      h("dd", null, tunnel.config_src === "cloudflare" ? "remotely managed" : "local config file"),
      h("dt", null, "Live connections"),
      h("dd", null, tunnel.connections.length),
      h("dt", null, "Uptime"),
      h("dd", null, live ? since(tunnel.conns_active_at) : "—"),
      h("dt", null, "Created"),
      h("dd", null, dateTime(tunnel.created_at)),
    ),
  );
}

/** @type {import("./list-page.js").Column[]} */
const CONNECTION_COLUMNS = [
  { label: "Connection", cell: (conn) => h("code", null, conn.id) },
  {
    label: "State",
    cell: (conn) =>
      conn.is_pending_reconnect
        ? h("span", { class: "badge badge-degraded" }, "Pending reconnect")
        : h("span", { class: "badge badge-healthy" }, "Live"),
  },
  { label: "Colo", cell: (conn) => conn.colo_name || "—" },
  { label: "Origin IP", cell: (conn) => conn.origin_ip || "—" },
  { label: "Opened at", cell: (conn) => dateTime(conn.opened_at) },
];

/** @param {HTMLElement} root @param {any[]} list */
function drawConnectors(root, list) {
  if (list.length === 0) {
    replace(root, h("p", { class: "muted" }, "No connector is attached."));
    return;
  }
  replace(
    root,
    list.map((connector) => {
      const first = connector.conns[0];
      return h(
        "article",
        { class: "card connector", "data-connector-id": connector.id },
        h("h3", null, "Connector ", h("code", null, connector.id)),
        h(
          "dl",
          { class: "facts" },
          h("dt", null, "Version"),
          h("dd", null, connector.version || "—"),
          h("dt", null, "Arch"),
          h("dd", null, connector.arch || "—"),
          h("dt", null, "Origin IP"),
          h("dd", null, first?.origin_ip || "—"),
          h("dt", null, "Colo"),
          h("dd", null, first?.colo_name || "—"),
          h("dt", null, "Opened at"),
          h("dd", null, dateTime(connector.run_at)),
        ),
        listTable({
          caption: `Connections of connector ${connector.id.slice(0, 8)}`,
          captionShown: true,
          columns: CONNECTION_COLUMNS,
          items: connector.conns,
          rowAttrs: (conn) => ({ "data-connection-id": conn.id }),
        }),
      );
    }),
  );
}

/** @param {HTMLElement} root @param {string} tunnelId */
async function loadRoutes(root, tunnelId) {
  const session = currentSession();
  try {
    const answer = await api(
      "GET",
      `/zones/${encodeURIComponent(session?.zoneId ?? "")}/tunnels/${tunnelId}/routes`,
    );
    if (answer.result.length === 0) {
      replace(root, h("p", { class: "muted" }, "No hostname is routed to this tunnel."));
      return;
    }
    replace(
      root,
      h(
        "ul",
        { class: "plain" },
        answer.result.map((/** @type {any} */ route) =>
          h(
            "li",
            null,
            h("code", null, route.name),
            " → ",
            h("code", null, route.content),
            ` (${route.record_type})`,
          ),
        ),
      ),
    );
  } catch (error) {
    replace(root, errorBanner(error));
  }
}

/** @param {HTMLElement} root @param {any} tunnel @param {string} tunnelPath */
async function loadConfig(root, tunnel, tunnelPath) {
  try {
    const answer = await api("GET", `${tunnelPath}/configurations`);
    if (tunnel.config_src !== "cloudflare") {
      replace(
        root,
        h(
          "p",
          { class: "muted" },
          "This tunnel reads its ingress rules from the connector's config file; the dashboard shows none.",
        ),
      );
      return;
    }
    drawEditor(root, answer.result, tunnelPath);
  } catch (error) {
    replace(root, errorBanner(error));
  }
}

/**
 * The ingress rules as rows of inputs. Input `data-field`s are the API's own paths
 * (`config.ingress[2].service`), so a validation error lands beside the input it names.
 * @param {HTMLElement} root @param {any} stored @param {string} tunnelPath
 */
function drawEditor(root, stored, tunnelPath) {
  /** @type {Array<{ hostname?: string, path?: string, service: string, originRequest?: unknown }>} */
  let rules = stored.config?.ingress?.length
    ? stored.config.ingress.map((/** @type {any} */ rule) => ({ ...rule }))
    : [{ service: "http_status:404" }];
  const version = h("p", { class: "muted", role: "status" }, `Version ${stored.version}`);
  const list = h("ol", { class: "rules" });
  const form = h(
    "form",
    { class: "card", "aria-label": "Ingress rules", novalidate: true },
    version,
    h(
      "p",
      { class: "hint" },
      "First match wins; the last rule must match everything (no hostname, no path).",
    ),
    formAlert(),
    list,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: addRule }, "Add rule"),
      h("button", { type: "submit" }, "Save configuration"),
    ),
  );

  function readInputs() {
    rules = rules.map((rule, index) => {
      const value = (/** @type {string} */ name) =>
        /** @type {HTMLInputElement} */ (
          form.querySelector(`[data-field="config.ingress[${index}].${name}"]`)
        ).value.trim();
      const next = { ...rule, service: value("service") };
      const hostname = value("hostname");
      const path = value("path");
      if (hostname) next.hostname = hostname;
      else delete next.hostname;
      if (path) next.path = path;
      else delete next.path;
      return next;
    });
  }

  function addRule() {
    readInputs();
    // New rules go before the catch-all, which must stay last.
    rules.splice(Math.max(0, rules.length - 1), 0, { hostname: "", service: "" });
    draw();
    /** @type {HTMLElement | null} */ (
      form.querySelector(`[data-field="config.ingress[${rules.length - 2}].hostname"]`)
    )?.focus();
  }

  /** @param {number} index */
  function removeRule(index) {
    readInputs();
    rules.splice(index, 1);
    draw();
  }

  function draw() {
    replace(
      list,
      rules.map((rule, index) =>
        h(
          "li",
          { class: "rule" },
          h(
            "fieldset",
            { "data-error-scope": `config.ingress[${index}]` },
            h("legend", null, `Rule ${index + 1}`),
            field({
              label: "Hostname",
              field: `config.ingress[${index}].hostname`,
              value: rule.hostname ?? "",
            }),
            field({
              label: "Path (regex)",
              field: `config.ingress[${index}].path`,
              value: rule.path ?? "",
            }),
            field({
              label: "Service",
              field: `config.ingress[${index}].service`,
              value: rule.service,
              hint: "http://host:port, https://…, http_status:404, hello_world …",
            }),
            h("p", {
              class: "field-error",
              id: `rule-${index}-error`,
              "data-error-for": `config.ingress[${index}]`,
              hidden: true,
            }),
            rules.length > 1
              ? h(
                  "button",
                  { type: "button", class: "secondary", onclick: () => removeRule(index) },
                  `Remove rule ${index + 1}`,
                )
              : null,
          ),
        ),
      ),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    readInputs();
    clearFormErrors(form);
    try {
      const body = { config: { ...stored.config, ingress: rules } };
      const answer = await api("PUT", `${tunnelPath}/configurations`, { body });
      stored = answer.result;
      replace(version, `Saved: version ${stored.version}`);
    } catch (error) {
      showFormError(form, error);
    }
  });

  draw();
  replace(root, form);
}
