import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import { clearFormErrors, dateTime, field, formAlert, showFormError } from "../format.js";
import { currentSession } from "../session.js";
import { listSection } from "./list-page.js";

/** The scopes an API token can carry (packages/registry API_TOKEN_SCOPES). */
const SCOPES = [
  ["tunnels:read", "Read tunnels, connections, routes and the audit log"],
  ["tunnels:edit", "Create, change and delete tunnels (includes read)"],
  ["dns:edit", "Route and unroute hostnames"],
  ["vpc:edit", "Manage VPC services"],
  ["tokens:edit", "Create and revoke API tokens"],
];

/**
 * API tokens: create one with scopes (its value is shown once, in this page only, and never kept),
 * list them, revoke one. Revoking the token this session uses signs the page out.
 * @param {HTMLElement} main
 */
export function renderTokens(main) {
  const created = h("div", { "aria-live": "polite" });
  const list = listSection({
    caption: "API tokens",
    empty: "No API tokens yet.",
    columns: [
      {
        label: "Name",
        cell: (token) => [
          token.name,
          token.id === currentSession()?.tokenId
            ? h("span", { class: "muted" }, " (this session)")
            : null,
        ],
      },
      { label: "ID", cell: (token) => h("code", null, token.id) },
      { label: "Scopes", cell: (token) => token.scopes.join(", ") },
      { label: "Status", cell: (token) => token.status },
      { label: "Issued", cell: (token) => dateTime(token.issued_on) },
      {
        label: "Actions",
        cell: (token) =>
          token.status === "active"
            ? h(
                "button",
                { type: "button", class: "danger", onclick: () => revoke(token) },
                `Revoke ${token.name}`,
              )
            : "—",
      },
    ],
    rowAttrs: (token) => ({ "data-token-id": token.id }),
  });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "token-form-title" },
    h("h2", { id: "token-form-title" }, "Create a token"),
    formAlert(),
    field({ label: "Name", field: "name", required: true }),
    h(
      "fieldset",
      { "data-field": "scopes" },
      h("legend", null, "Scopes"),
      SCOPES.map(([scope, text]) =>
        h(
          "div",
          { class: "check" },
          h("input", { type: "checkbox", id: `scope-${scope}`, name: "scopes", value: scope }),
          h("label", { for: `scope-${scope}` }, h("code", null, scope), ` — ${text}`),
        ),
      ),
      h("p", {
        class: "field-error",
        id: "scopes-error",
        "data-error-for": "scopes",
        hidden: true,
      }),
    ),
    h("button", { type: "submit" }, "Create token"),
  );
  replace(
    main,
    h("h1", null, "API tokens"),
    created,
    form,
    h(
      "section",
      { "aria-labelledby": "token-list-title" },
      h("h2", { id: "token-list-title" }, "Tokens"),
      list.element,
    ),
  );

  const load = () => list.load(accountPath("/tokens"));

  /** @param {any} token */
  async function revoke(token) {
    const own = token.id === currentSession()?.tokenId;
    const warning = own ? " This is the token you are signed in with: you will be signed out." : "";
    if (!window.confirm(`Revoke API token ${token.name}?${warning}`)) return;
    try {
      await api("DELETE", accountPath(`/tokens/${token.id}`));
    } catch (error) {
      list.showError(error);
      return;
    }
    // The list call after revoking one's own token answers 401, which signs the page out.
    await load();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const name = /** @type {HTMLInputElement} */ (form.querySelector("[data-field=name]")).value;
    const scopes = [...form.querySelectorAll("input[name=scopes]:checked")].map(
      (input) => /** @type {HTMLInputElement} */ (input).value,
    );
    try {
      const answer = await api("POST", accountPath("/tokens"), { body: { name, scopes } });
      /** @type {HTMLFormElement} */ (form).reset();
      showOnce(created, answer.result);
      await load();
    } catch (error) {
      showFormError(form, error);
    }
  });

  load();
  return () => {
    list.stop();
    // The value lives only in this page's DOM; leaving the page drops it.
    created.replaceChildren();
  };
}

/**
 * The new token's value, shown once with a copy button; "Done" removes it from the page.
 * @param {HTMLElement} root @param {any} token
 */
function showOnce(root, token) {
  const value = h("input", {
    id: "new-token-value",
    readonly: true,
    value: token.value,
    class: "secret",
    autocomplete: "off",
    spellcheck: "false",
  });
  const copied = h("span", { role: "status", class: "muted" });
  replace(
    root,
    h(
      "div",
      { class: "card notice-card", role: "region", "aria-label": "New token" },
      h("h2", null, `Token ${token.name} created`),
      h("p", null, "Copy its value now: it is shown only this once and cannot be read again."),
      h("label", { for: "new-token-value" }, "Token value"),
      value,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(token.value);
                replace(copied, "Copied.");
              } catch {
                /** @type {HTMLInputElement} */ (value).select();
                replace(copied, "Select the value and copy it.");
              }
            },
          },
          "Copy value",
        ),
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => root.replaceChildren() },
          "Done",
        ),
        copied,
      ),
    ),
  );
  /** @type {HTMLInputElement} */ (value).focus();
  /** @type {HTMLInputElement} */ (value).select();
}
