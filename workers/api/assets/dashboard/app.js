import { ApiCallError, api, whenSignedOut } from "./api.js";
import { h, replace } from "./dom.js";
import { field, formAlert, humanMessage } from "./format.js";
import { renderAudit } from "./pages/audit.js";
import { renderCert } from "./pages/cert.js";
import { renderTokens } from "./pages/tokens.js";
import { renderTunnel } from "./pages/tunnel.js";
import { renderTunnels } from "./pages/tunnels.js";
import { renderVpcServices } from "./pages/vpc-services.js";
import { clearSession, currentSession, saveSession } from "./session.js";

/**
 * The dashboard's shell: a hash router (`#/tunnels`, `#/tunnels/<id>`, …) over page modules. Each
 * page renders into <main> and returns a cleanup (timers stop when the page is left).
 */

/** @typedef {(main: HTMLElement, params: string[]) => (() => void) | undefined} Page */

/** @type {Array<{ pattern: RegExp, page: Page, nav?: string }>} */
const ROUTES = [
  { pattern: /^#\/tunnels$/, page: renderTunnels, nav: "#/tunnels" },
  { pattern: /^#\/tunnels\/([0-9a-f-]{36})$/, page: renderTunnel, nav: "#/tunnels" },
  { pattern: /^#\/vpc-services$/, page: renderVpcServices, nav: "#/vpc-services" },
  { pattern: /^#\/tokens$/, page: renderTokens, nav: "#/tokens" },
  { pattern: /^#\/cert$/, page: renderCert, nav: "#/cert" },
  { pattern: /^#\/audit$/, page: renderAudit, nav: "#/audit" },
];

const NAV = [
  ["#/tunnels", "Tunnels"],
  ["#/vpc-services", "VPC services"],
  ["#/tokens", "API tokens"],
  ["#/cert", "cert.pem"],
  ["#/audit", "Audit log"],
];

/** @type {(() => void) | undefined} */
let cleanup;
/** Set by a 401 so the sign-in page can say why. */
let signedOutBecause = "";

function main() {
  return /** @type {HTMLElement} */ (document.getElementById("main"));
}

function route() {
  cleanup?.();
  cleanup = undefined;
  const session = currentSession();
  const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
  const who = /** @type {HTMLElement} */ (document.getElementById("who"));
  if (!session) {
    nav.hidden = true;
    who.hidden = true;
    nav.replaceChildren();
    who.replaceChildren();
    renderSignIn(main());
    return;
  }
  const hash = location.hash || "#/tunnels";
  const matched = ROUTES.find((entry) => entry.pattern.test(hash));
  if (!matched) {
    location.replace("#/tunnels");
    return;
  }
  renderNav(nav, matched.nav ?? "");
  renderWho(who, session);
  const params = /** @type {RegExpExecArray} */ (matched.pattern.exec(hash)).slice(1);
  cleanup = matched.page(main(), params) ?? undefined;
  // Moves focus to the new page's heading so keyboard and screen-reader users land on it.
  main().querySelector("h1")?.setAttribute("tabindex", "-1");
  /** @type {HTMLElement | null} */ (main().querySelector("h1"))?.focus({ preventScroll: true });
}

/** @param {HTMLElement} nav @param {string} active */
function renderNav(nav, active) {
  nav.hidden = false;
  replace(
    nav,
    h(
      "ul",
      null,
      NAV.map(([href, text]) =>
        h("li", null, h("a", { href, "aria-current": href === active ? "page" : undefined }, text)),
      ),
    ),
  );
}

/** @param {HTMLElement} who @param {import("./session.js").Session} session */
function renderWho(who, session) {
  who.hidden = false;
  replace(
    who,
    h("span", { class: "account" }, session.accountName),
    h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
  );
}

function signOut() {
  clearSession();
  signedOutBecause = "You signed out.";
  // Leaves no page (and none of its data) behind in the document.
  main().replaceChildren();
  location.hash = "";
  route();
}

/** @param {HTMLElement} root */
function renderSignIn(root) {
  const form = h(
    "form",
    { class: "card sign-in", "aria-labelledby": "sign-in-title", novalidate: true },
    h("h1", { id: "sign-in-title" }, "Sign in"),
    h(
      "p",
      null,
      "Use an API token of this deployment (or the operator's ADMIN_TOKEN). It stays in this tab only.",
    ),
    signedOutBecause ? h("p", { class: "notice", role: "status" }, signedOutBecause) : null,
    formAlert(),
    field({
      label: "API token",
      field: "token",
      type: "password",
      required: true,
      attrs: { autocomplete: "off", spellcheck: "false" },
    }),
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (form.querySelector("input[name=token]"));
    const alert = /** @type {HTMLElement} */ (form.querySelector("[data-form-alert]"));
    const token = input.value.trim();
    if (!token) {
      replace(alert, "Enter an API token.");
      alert.hidden = false;
      return;
    }
    try {
      const verified = await api("GET", "/user/tokens/verify", { token });
      const accounts = await api("GET", "/accounts", { token });
      const zones = await api("GET", "/zones", { token });
      const account = accounts.result[0];
      const zone = zones.result[0];
      saveSession({
        token,
        tokenId: verified.result.id,
        accountId: account.id,
        accountName: account.name,
        zoneId: zone?.id ?? "",
        zoneName: zone?.name ?? "",
      });
      input.value = "";
      signedOutBecause = "";
      if (location.hash === "#/tunnels") route();
      else location.hash = "#/tunnels";
    } catch (error) {
      const message =
        error instanceof ApiCallError && error.status === 401
          ? `Sign-in failed: ${humanMessage(error.message)}`
          : `Sign-in failed: ${error instanceof Error ? humanMessage(error.message) : error}`;
      replace(alert, message);
      alert.hidden = false;
      input.focus();
    }
  });
  replace(root, form);
  /** @type {HTMLElement | null} */ (form.querySelector("input"))?.focus();
}

whenSignedOut((message) => {
  signedOutBecause = `Signed out: ${humanMessage(message)}`;
  route();
});

window.addEventListener("hashchange", route);
route();
