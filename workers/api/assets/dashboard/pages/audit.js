import { accountPath } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime } from "../format.js";
import { listSection } from "./list-page.js";

const PER_PAGE = 50;

/**
 * The account's audit log, newest first, a page of {@link PER_PAGE} at a time: what happened to
 * which tunnel and when (created, registered, routes, secrets rotated, VPC services …).
 * @param {HTMLElement} main
 */
export function renderAudit(main) {
  const list = listSection({
    caption: "Audit log entries, newest first",
    empty: "Nothing has happened yet.",
    columns: [
      { label: "When", cell: (entry) => dateTime(entry.when) },
      { label: "Event", cell: (entry) => entry.action.type },
      {
        label: "Tunnel",
        cell: (entry) =>
          h(
            "a",
            { href: `#/tunnels/${entry.resource.id}` },
            entry.resource.name ?? entry.resource.id,
          ),
      },
      {
        label: "Details",
        cell: (entry) =>
          entry.metadata === null ? "—" : h("code", null, JSON.stringify(entry.metadata)),
      },
    ],
    rowAttrs: (entry) => ({ "data-audit-id": entry.id }),
  });
  const pager = h("nav", { "aria-label": "Audit log pages", class: "actions" });
  replace(main, h("h1", null, "Audit log"), list.element, pager);

  /** @param {number} page */
  async function load(page) {
    const answer = await list.load(accountPath(`/audit_logs?page=${page}&per_page=${PER_PAGE}`));
    if (!answer) return;
    const pages = Math.max(1, Math.ceil(answer.result_info.total_count / PER_PAGE));
    replace(
      pager,
      h(
        "button",
        { type: "button", class: "secondary", disabled: page <= 1, onclick: () => load(page - 1) },
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
  }

  load(1);
  return () => {
    list.stop();
  };
}
