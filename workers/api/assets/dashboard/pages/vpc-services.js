import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import { clearFormErrors, dateTime, field, formAlert, showFormError } from "../format.js";
import { listSection } from "./list-page.js";

/** Cloudflare's Workers VPC services collection (the connectivity directory). */
const SERVICES = "/connectivity/directory/services";

/**
 * VPC services: list, create, edit and delete, in Workers VPC's shape (`type: "http"`, `host`
 * either `{hostname, resolver_network: {tunnel_id}}` or `{ipv4|ipv6, network: {tunnel_id}}`). The
 * API's validation messages appear beside the field they name.
 * @param {HTMLElement} main
 */
export function renderVpcServices(main) {
  const list = listSection({
    caption: "VPC services",
    empty: "No VPC services yet.",
    columns: [
      { label: "Name", cell: (service) => service.name },
      { label: "ID", cell: (service) => h("code", null, service.service_id) },
      { label: "Host", cell: (service) => hostText(service.host) },
      { label: "Tunnel", cell: (service) => h("code", null, tunnelOf(service.host)) },
      {
        label: "Ports",
        cell: (service) => `http ${service.http_port ?? 80} · https ${service.https_port ?? 443}`,
      },
      { label: "Updated", cell: (service) => dateTime(service.updated_at) },
      {
        label: "Actions",
        cell: (service) => [
          h(
            "button",
            { type: "button", class: "secondary", onclick: () => drawForm(service) },
            `Edit ${service.name}`,
          ),
          " ",
          h(
            "button",
            { type: "button", class: "danger", onclick: () => remove(service) },
            `Delete ${service.name}`,
          ),
        ],
      },
    ],
    rowAttrs: (service) => ({ "data-service-id": service.service_id }),
  });
  const formRoot = h("div");
  replace(
    main,
    h("h1", null, "VPC services"),
    h(
      "p",
      null,
      "A Worker reaches one of these through a service binding; the tunnel's connector resolves and dials it.",
    ),
    h("section", { "aria-labelledby": "vpc-form-title" }, formRoot),
    h(
      "section",
      { "aria-labelledby": "vpc-list-title" },
      h("h2", { id: "vpc-list-title" }, "Services"),
      list.element,
    ),
  );

  const load = () => list.load(accountPath(SERVICES));

  /** @param {any} service */
  async function remove(service) {
    if (
      !window.confirm(`Delete VPC service ${service.name}? Workers bound to it stop reaching it.`)
    ) {
      return;
    }
    try {
      await api("DELETE", accountPath(`${SERVICES}/${service.service_id}`));
    } catch (error) {
      list.showError(error);
      return;
    }
    await load();
  }

  /** @param {any} [editing] */
  function drawForm(editing) {
    const host = editing?.host ?? {};
    const kind = "ipv4" in host ? "ipv4" : "ipv6" in host ? "ipv6" : "hostname";
    const kindSelect = h(
      "select",
      { id: "vpc-host-kind", name: "host_kind" },
      [
        ["hostname", "Hostname (resolved by the connector)"],
        ["ipv4", "IPv4 address"],
        ["ipv6", "IPv6 address"],
      ].map(([value, text]) => h("option", { value, selected: value === kind }, text)),
    );
    const form = h(
      "form",
      { class: "card", novalidate: true, "aria-labelledby": "vpc-form-title" },
      h("h2", { id: "vpc-form-title" }, editing ? `Edit ${editing.name}` : "Create a VPC service"),
      formAlert(),
      field({ label: "Name", field: "name", value: editing?.name ?? "", required: true }),
      field({ label: "Tunnel ID", field: "tunnel_id", value: tunnelOf(host), required: true }),
      h("div", { class: "field" }, h("label", { for: "vpc-host-kind" }, "Host type"), kindSelect),
      field({
        label: "Host",
        field: "host",
        value: host.hostname ?? host.ipv4 ?? host.ipv6 ?? "",
        required: true,
        hint: "e.g. api.internal, 10.0.0.5 or fd00::5",
      }),
      field({
        label: "HTTP port",
        field: "http_port",
        type: "number",
        value: String(editing?.http_port ?? 80),
      }),
      field({
        label: "HTTPS port",
        field: "https_port",
        type: "number",
        value: String(editing?.https_port ?? 443),
      }),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit" }, editing ? "Save service" : "Create service"),
        editing
          ? h("button", { type: "button", class: "secondary", onclick: () => drawForm() }, "Cancel")
          : null,
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const value = (/** @type {string} */ name) =>
        /** @type {HTMLInputElement} */ (form.querySelector(`[data-field="${name}"]`)).value.trim();
      const tunnelId = value("tunnel_id");
      const hostValue = value("host");
      const hostKind = /** @type {HTMLSelectElement} */ (kindSelect).value;
      const body = {
        type: "http",
        name: value("name"),
        http_port: portValue(value("http_port")),
        https_port: portValue(value("https_port")),
        host:
          hostKind === "hostname"
            ? { hostname: hostValue, resolver_network: { tunnel_id: tunnelId } }
            : { [hostKind]: hostValue, network: { tunnel_id: tunnelId } },
      };
      try {
        if (editing) {
          await api("PUT", accountPath(`${SERVICES}/${editing.service_id}`), { body });
        } else {
          await api("POST", accountPath(SERVICES), { body });
        }
        drawForm();
        await load();
      } catch (error) {
        showFormError(form, error, inputForField);
      }
    });
    replace(formRoot, form);
    if (editing) /** @type {HTMLElement | null} */ (form.querySelector("input"))?.focus();
  }

  drawForm();
  load();
  return () => {
    list.stop();
  };
}

/** A port input's number, or the text as typed so the API names what is wrong with it. @param {string} raw */
function portValue(raw) {
  if (raw === "") return undefined;
  const number = Number(raw);
  return Number.isInteger(number) ? number : raw;
}

/**
 * The API names nested fields (`host.resolver_network.tunnel_id`); the form has one Tunnel ID
 * input for both host kinds. (`host.ipv4` and the like already land on the Host input by prefix.)
 * @param {string} field
 */
function inputForField(field) {
  return /^host\.(resolver_network|network)\.tunnel_id$/.test(field) ? "tunnel_id" : field;
}

/** @param {any} host */
function hostText(host) {
  return host?.hostname ?? host?.ipv4 ?? host?.ipv6 ?? "—";
}

/** @param {any} host */
function tunnelOf(host) {
  return host?.resolver_network?.tunnel_id ?? host?.network?.tunnel_id ?? "";
}
