import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import {
  clearFormErrors,
  dateTime,
  errorBanner,
  field,
  formAlert,
  showFormError,
} from "../format.js";
import { currentSession } from "../session.js";

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
  const listRoot = h("div");
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
      listRoot,
    ),
  );

  let stopped = false;

  async function load() {
    try {
      const answer = await api("GET", accountPath("/tokens"));
      if (!stopped) drawList(answer.result);
    } catch (error) {
      if (!stopped) replace(listRoot, errorBanner(error));
    }
  }

  /** @param {any[]} tokens */
  function drawList(tokens) {
    const own = currentSession()?.tokenId;
    if (tokens.length === 0) {
      replace(listRoot, h("p", { class: "muted" }, "No API tokens yet."));
      return;
    }
    replace(
      listRoot,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "list" },
          h("caption", { class: "visually-hidden" }, "API tokens"),
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["Name", "ID", "Scopes", "Status", "Issued", "Actions"].map((text) =>
                h("th", { scope: "col" }, text),
              ),
            ),
          ),
          h(
            "tbody",
            null,
            tokens.map((token) =>
              h(
                "tr",
                { "data-token-id": token.id },
                h(
                  "td",
                  { "data-label": "Name" },
                  token.name,
                  token.id === own ? h("span", { class: "muted" }, " (this session)") : null,
                ),
                h("td", { "data-label": "ID" }, h("code", null, token.id)),
                h("td", { "data-label": "Scopes" }, token.scopes.join(", ")),
                h("td", { "data-label": "Status" }, token.status),
                h("td", { "data-label": "Issued" }, dateTime(token.issued_on)),
                h(
                  "td",
                  { "data-label": "Actions" },
                  token.status === "active"
                    ? h(
                        "button",
                        { type: "button", class: "danger", onclick: () => revoke(token) },
                        `Revoke ${token.name}`,
                      )
                    : "—",
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** @param {any} token */
  async function revoke(token) {
    const own = token.id === currentSession()?.tokenId;
    const warning = own ? " This is the token you are signed in with: you will be signed out." : "";
    if (!window.confirm(`Revoke API token ${token.name}?${warning}`)) return;
    try {
      await api("DELETE", accountPath(`/tokens/${token.id}`));
      // The list call after revoking one's own token answers 401, which signs the page out.
      await load();
    } catch (error) {
      if (!stopped) replace(listRoot, errorBanner(error));
    }
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
    stopped = true;
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
