import { accountPath, api } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime, errorBanner } from "../format.js";

const PER_PAGE = 50;

/**
 * The account's audit log, newest first, a page of {@link PER_PAGE} at a time: what happened to
 * which tunnel and when (created, registered, routes, secrets rotated, VPC services …).
 * @param {HTMLElement} main
 */
export function renderAudit(main) {
  const listRoot = h("div");
  const pager = h("nav", { "aria-label": "Audit log pages", class: "actions" });
  replace(main, h("h1", null, "Audit log"), listRoot, pager);
  let stopped = false;

  /** @param {number} page */
  async function load(page) {
    try {
      const answer = await api("GET", accountPath(`/audit_logs?page=${page}&per_page=${PER_PAGE}`));
      if (stopped) return;
      draw(answer.result);
      const info = answer.result_info;
      const pages = Math.max(1, Math.ceil(info.total_count / PER_PAGE));
      replace(
        pager,
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            disabled: page <= 1,
            onclick: () => load(page - 1),
          },
          "Newer",
        ),
        h("span", null, `Page ${page} of ${pages}`),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            disabled: page >= pages,
            onclick: () => load(page + 1),
          },
          "Older",
        ),
      );
    } catch (error) {
      if (!stopped) replace(listRoot, errorBanner(error));
    }
  }

  /** @param {any[]} entries */
  function draw(entries) {
    if (entries.length === 0) {
      replace(listRoot, h("p", { class: "muted" }, "Nothing has happened yet."));
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
          h("caption", { class: "visually-hidden" }, "Audit log entries, newest first"),
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["When", "Event", "Tunnel", "Details"].map((text) => h("th", { scope: "col" }, text)),
            ),
          ),
          h(
            "tbody",
            null,
            entries.map((entry) =>
              h(
                "tr",
                { "data-audit-id": entry.id },
                h("td", { "data-label": "When" }, dateTime(entry.when)),
                h("td", { "data-label": "Event" }, entry.action.type),
                h(
                  "td",
                  { "data-label": "Tunnel" },
                  h(
                    "a",
                    { href: `#/tunnels/${entry.resource.id}` },
                    entry.resource.name ?? entry.resource.id,
                  ),
                ),
                h(
                  "td",
                  { "data-label": "Details" },
                  entry.metadata === null ? "—" : h("code", null, JSON.stringify(entry.metadata)),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  load(1);
  return () => {
    stopped = true;
  };
}
