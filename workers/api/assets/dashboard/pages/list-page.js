import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { errorBanner } from "../format.js";

/**
 * One column of a list table. `label` is both the header and each cell's `data-label`, which the
 * stylesheet shows beside the value when a narrow screen turns rows into cards.
 * @typedef {{ label: string, cell: (item: any) => unknown, attrs?: Record<string, unknown> }} Column
 */

/** The header row of a list table. @param {Column[]} columns */
export function tableHead(columns) {
  return h(
    "thead",
    null,
    h(
      "tr",
      null,
      columns.map((column) => h("th", { scope: "col" }, column.label)),
    ),
  );
}

/**
 * One item's row of a list table.
 * @param {Column[]} columns @param {any} item @param {Record<string, unknown>} [attrs] the row's own
 */
export function tableRow(columns, item, attrs) {
  return h(
    "tr",
    attrs,
    columns.map((column) =>
      h("td", { "data-label": column.label, ...column.attrs }, column.cell(item)),
    ),
  );
}

/**
 * A scrollable list table of `items`, one row each. The caption is for screen readers only unless
 * `captionShown`, where sighted users need it to tell several tables apart.
 * @param {{ caption: string, captionShown?: boolean, columns: Column[], items: any[],
 *   rowAttrs?: (item: any) => Record<string, unknown> }} spec
 */
export function listTable(spec) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "list" },
      h("caption", spec.captionShown ? null : { class: "visually-hidden" }, spec.caption),
      tableHead(spec.columns),
      h(
        "tbody",
        null,
        spec.items.map((item) => tableRow(spec.columns, item, spec.rowAttrs?.(item))),
      ),
    ),
  );
}

/**
 * A page's list, loaded from the API: `load(path)` draws the answer's `result` as a
 * {@link listTable}, or `empty` when there is none, and a failed call as an error banner in its
 * place. After `stop()` (the page was left) a late answer or error draws nothing.
 * @param {{ caption: string, empty: string, columns: Column[],
 *   rowAttrs?: (item: any) => Record<string, unknown> }} spec
 */
export function listSection(spec) {
  const element = h("div");
  let stopped = false;

  /** @param {unknown} error */
  function showError(error) {
    if (!stopped) replace(element, errorBanner(error));
  }

  /**
   * Resolves to the whole answer (for its `result_info`), or undefined when nothing was drawn.
   * @param {string} path under /client/v4
   */
  async function load(path) {
    try {
      const answer = await api("GET", path);
      if (stopped) return undefined;
      /** @type {any[]} */
      const items = answer.result;
      if (items.length === 0) replace(element, h("p", { class: "muted" }, spec.empty));
      else replace(element, listTable({ ...spec, items }));
      return answer;
    } catch (error) {
      showError(error);
      return undefined;
    }
  }

  return {
    element,
    load,
    showError,
    stop() {
      stopped = true;
    },
  };
}
