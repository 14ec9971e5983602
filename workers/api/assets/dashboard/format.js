import { h, replace } from "./dom.js";

/** The four statuses Cloudflare gives a tunnel, with the words the badge shows. */
const STATUS_TEXT = {
  healthy: "Healthy",
  degraded: "Degraded",
  down: "Down",
  inactive: "Inactive",
};

/** A status badge: colour plus the word, so colour is never the only signal. @param {string} status */
export function statusBadge(status) {
  const known = Object.hasOwn(STATUS_TEXT, status) ? status : "down";
  return h(
    "span",
    { class: `badge badge-${known}`, "data-status": known },
    STATUS_TEXT[/** @type {keyof typeof STATUS_TEXT} */ (known)],
  );
}

/** A local date and time for an ISO timestamp, or an em dash. @param {string | null | undefined} iso */
export function dateTime(iso) {
  if (!iso) return "—";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "—";
  return h("time", { datetime: iso }, at.toLocaleString());
}

/** "3d 4h", "5m 12s": how long since `iso`. @param {string | null | undefined} iso */
export function since(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds % 60}s`;
  return `${seconds}s`;
}

/**
 * The field an API validation message names, e.g. `config.ingress[0].service` in
 * `validation_failed: config.ingress[0].service "x" is not a service cloudflared knows`.
 * @param {string} message
 * @returns {string | null}
 */
export function fieldOf(message) {
  const text = message.replace(/^[a-z_]+: /, "");
  const match = /^([A-Za-z_][\w-]*(?:\[\d+\])?(?:\.[A-Za-z_][\w-]*(?:\[\d+\])?)*)\s/.exec(text);
  return match?.[1] ?? null;
}

/** The API's message without its snake_case code prefix. @param {string} message */
export function humanMessage(message) {
  return message.replace(/^[a-z_]+: /, "");
}

/**
 * Shows an API error in a form: next to the input whose `data-field` the message names (the
 * input gets aria-invalid and aria-describedby), otherwise in the form's alert. Fields are
 * matched exactly, then by the longest `data-field` the named field starts with; `inputFor` maps
 * an API field name to a form's own (the message itself is shown as the API wrote it).
 * @param {HTMLElement} form
 * @param {unknown} error
 * @param {(field: string) => string} [inputFor]
 */
export function showFormError(form, error, inputFor = (field) => field) {
  clearFormErrors(form);
  const errors = /** @type {{ errors?: Array<{ message: string }> }} */ (error).errors;
  const messages = errors?.length
    ? errors.map((entry) => entry.message)
    : [error instanceof Error ? error.message : String(error)];
  const alert = form.querySelector("[data-form-alert]");
  for (const message of messages) {
    const field = fieldOf(message);
    const slot = field ? slotFor(form, inputFor(field)) : null;
    if (slot) {
      const input = form.querySelector(`[data-field="${CSS.escape(slot.dataset.errorFor ?? "")}"]`);
      replace(slot, humanMessage(message));
      slot.hidden = false;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot.id);
      }
    } else if (alert) {
      alert.append(h("p", null, humanMessage(message)));
      alert.hidden = false;
    }
  }
}

/** @param {HTMLElement} form @param {string} field */
function slotFor(form, field) {
  /** @type {HTMLElement[]} */
  const slots = [...form.querySelectorAll("[data-error-for]")];
  const exact = slots.find((slot) => slot.dataset.errorFor === field);
  if (exact) return exact;
  const prefixed = slots
    .filter((slot) => field.startsWith(`${slot.dataset.errorFor}`))
    .sort((a, b) => (b.dataset.errorFor?.length ?? 0) - (a.dataset.errorFor?.length ?? 0));
  return prefixed[0] ?? null;
}

/** @param {HTMLElement} form */
export function clearFormErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    slot.replaceChildren();
    /** @type {HTMLElement} */ (slot).hidden = true;
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  const alert = form.querySelector("[data-form-alert]");
  if (alert) {
    alert.replaceChildren();
    /** @type {HTMLElement} */ (alert).hidden = true;
  }
}

let nextId = 0;

/**
 * A labelled input with its error slot underneath. `field` is the API's name for it.
 * @param {{ label: string, field: string, value?: string, type?: string, required?: boolean,
 *   hint?: string, attrs?: Record<string, unknown> }} spec
 */
export function field(spec) {
  nextId += 1;
  const id = `f${nextId}`;
  const input = h("input", {
    id,
    name: spec.field,
    type: spec.type ?? "text",
    value: spec.value ?? "",
    required: spec.required,
    "data-field": spec.field,
    ...spec.attrs,
  });
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, spec.label),
    spec.hint ? h("span", { class: "hint" }, spec.hint) : null,
    input,
    h("p", { class: "field-error", id: `${id}-error`, "data-error-for": spec.field, hidden: true }),
  );
}

/** The form-level alert that {@link showFormError} fills. */
export function formAlert() {
  return h("div", { class: "form-alert", role: "alert", "data-form-alert": true, hidden: true });
}

/** A page-level error banner for a failed load. @param {unknown} error */
export function errorBanner(error) {
  const message = error instanceof Error ? error.message : String(error);
  return h("div", { class: "form-alert", role: "alert" }, humanMessage(message));
}
