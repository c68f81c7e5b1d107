// The pieces every page is built from: buttons, fields with their own error line, forms
// that place the API's errors, dialogs, tables that become cards on a phone, pagers,
// badges and dates. Pages compose these; they never style or word errors themselves.
import { describe, generalSentence } from "./errors.js";
import { announce, h } from "./dom.js";

let fieldCount = 0;

export function button(label, onclick, { variant = "secondary", ...attrs } = {}) {
  return h("button", { type: "button", class: `btn btn-${variant}`, onclick, ...attrs }, label);
}

export function submitButton(label, attrs = {}) {
  return h("button", { type: "submit", class: "btn btn-primary", ...attrs }, label);
}

// Runs `work` with `control` (the button pressed) busy; a press meanwhile does nothing.
// Busy is aria-disabled, not disabled: a disabled button drops its focus to the page (the
// browser's focus fixup), and a refusal with no field to go to (a taken alias) left a
// keyboard user nowhere.
export async function whileBusy(control, work) {
  if (control.getAttribute("aria-disabled") === "true") return undefined;
  control.setAttribute("aria-disabled", "true");
  try {
    return await work();
  } finally {
    control.removeAttribute("aria-disabled");
  }
}

// A labelled control with a hint and room for its own error (aria-describedby both), and
// "(required)" beside the label of a required one.
export function field(label, control, { hint = "", wide = false } = {}) {
  fieldCount += 1;
  const id = control.id || `f${fieldCount}`;
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const hintNode = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintNode ? `${id}-hint` : "", `${id}-error`].join(" ").trim());
  // Seen beside the label, not in it: screen readers say "required" from the attribute, and
  // the control's name stays its label.
  const labelNode = h("label", { for: id }, label);
  const head = control.required
    ? h("div", { class: "field-label" }, labelNode, h("span", { class: "required", "aria-hidden": "true" }, "(required)"))
    : labelNode;
  return h("div", { class: wide ? "field field-wide" : "field" }, head, control, hintNode, error);
}

export function loading(text = "Loading…") {
  return h("p", { class: "muted", role: "status", "aria-busy": "true" }, text);
}

export function errorBox(error) {
  return h("p", { class: "alert alert-error", role: "alert" }, generalSentence(error));
}

// Shows an ApiError on a form: each sentence under its field (once), the rest in one alert.
// `labels` maps API field names to the form controls' labels; controls are found by name.
export function formErrors(form, labels) {
  const summary = h("div", { class: "form-alert", "aria-live": "assertive" });
  form.append(summary);
  const clear = () => {
    summary.replaceChildren();
    for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
    for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  };
  const show = (error) => {
    clear();
    const { byField, general } = describe(error, labels);
    let first = null;
    const spoken = [];
    for (const [name, text] of byField) {
      const control = form.querySelector(`[name="${name}"]`);
      const slot = control && document.getElementById(`${control.id}-error`);
      if (!slot) continue;
      slot.textContent = text;
      control.setAttribute("aria-invalid", "true");
      first = first || control;
      const label = labels[name] || name;
      spoken.push(text.startsWith(label) ? text : `${label}: ${text}`);
    }
    // The sentences are also said through the live region: moving focus to the first refused
    // control reads its description, but focus that is already there (Enter pressed in it)
    // or a group that takes no focus (a list of rules) would leave them unsaid.
    summary.replaceChildren(...[
      spoken.length && h("p", { class: "sr-only" }, spoken.join(" ")),
      general && h("p", { class: "alert alert-error", role: "alert" }, general),
    ].filter(Boolean));
    // A group (a list of rules) takes no focus itself: its first control does.
    if (first) (first.matches("fieldset") && first.querySelector("input, select, textarea") || first).focus();
  };
  return { show, clear };
}

// A modal dialog (the native <dialog>: focus is trapped and Escape closes it).
export function dialog(title, body, { testid } = {}) {
  const heading = h("h2", { class: "dialog-title" }, title);
  const close = button("Close", () => node.close(), { class: "btn btn-ghost dialog-close", "aria-label": "Close" });
  const node = h("dialog", { class: "dialog", "aria-labelledby": "", "data-testid": testid },
    h("div", { class: "dialog-head" }, heading, close), body);
  heading.id = `d${++fieldCount}`;
  node.setAttribute("aria-labelledby", heading.id);
  node.addEventListener("close", () => node.remove());
  document.body.append(node);
  node.showModal();
  return node;
}

// Asks before a destructive action; resolves true when confirmed.
export function confirmAction(question, actionLabel) {
  return new Promise((resolve) => {
    let answer = false;
    const yes = button(actionLabel, () => { answer = true; node.close(); }, { variant: "danger" });
    const no = button("Cancel", () => node.close());
    const node = dialog(question, h("div", { class: "actions-row" }, no, yes), { testid: "confirm" });
    node.addEventListener("close", () => resolve(answer));
    yes.focus();
  });
}

// A list drawn again because of a button in it (a page turned, a row deleted) has lost that
// button, and focus with it. `listRedrawn` marks that moment; `keepFocusInList(holder)`, once
// the list is drawn, puts focus on its table when it fell to the document, so a keyboard user
// goes on from the rows instead of from the top. (The links page places focus itself; a page
// change forgets the mark: `listRedrawn(false)`.)
let listFocusPending = false;

export function listRedrawn(pending = true) {
  listFocusPending = pending;
}

export function keepFocusInList(holder) {
  const pending = listFocusPending;
  listFocusPending = false;
  const lost = document.activeElement === document.body || !document.activeElement.isConnected;
  const table = holder.querySelector("table");
  if (!pending || !lost || !table) return;
  table.tabIndex = -1;
  describeWithPage(table, holder);
  table.focus();
}

// `node` (what focus lands on after a page turn) is described by the page number in `holder`.
export function describeWithPage(node, holder) {
  const status = holder.querySelector(".pager-status");
  if (status) node.setAttribute("aria-describedby", status.id);
}

// A destructive button: asks first, runs `action`, says `done`, then calls `after`.
export function dangerButton(label, { name, question, action, done, after }) {
  return button(label, async () => {
    if (!(await confirmAction(question, label))) return;
    try {
      await action();
      announce(done);
      listRedrawn();
      after();
    } catch (error) {
      announce(generalSentence(error), { tone: "error" });
    }
  }, { variant: "danger", "aria-label": `${label} ${name}` });
}

export function copyButton(text, label = "Copy", attrs = {}) {
  return button(label, async () => {
    try {
      await navigator.clipboard.writeText(text);
      announce(`Copied ${text}`);
    } catch (error) {
      announce("Copying is not allowed here: select the text and copy it.", { tone: "error" });
    }
  }, { variant: "ghost", "aria-label": `${label} ${text}`, title: `Copy ${text}`, ...attrs });
}

export function badge(text, tone = "neutral") {
  return h("span", { class: `badge badge-${tone}` }, text);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function dateText(iso, { withTime = false, none = "—" } = {}) {
  if (!iso) return h("span", { class: "muted" }, none);
  const when = new Date(iso);
  return h("time", { datetime: iso, title: dateTimeFormat.format(when) },
    (withTime ? dateTimeFormat : dateFormat).format(when));
}

// A table on wide screens; on a phone each row becomes a card whose cells carry their
// column's name (CSS reads data-label), so nothing scrolls sideways.
export function dataTable({ caption, columns, rows, empty, testid }) {
  const head = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label))));
  const body = h("tbody", {}, rows.length
    ? rows.map((row) => h("tr", {}, columns.map((c) =>
      h("td", { class: c.class, "data-label": c.label }, c.cell(row)))))
    : h("tr", { class: "empty-row" }, h("td", { colspan: columns.length }, empty)));
  return h("div", { class: "table-wrap" },
    h("table", { class: "data-table", "data-testid": testid },
      h("caption", { class: "sr-only" }, caption), head, body));
}

// The page number is drawn with the new page (a live region made with its text says nothing):
// `describeWithPage` lets what focus lands on after a page turn say it.
export function pager({ page, pages, hasNext = false, onPage, label = "Pages" }) {
  return h("nav", { class: "pager", "aria-label": label },
    button("Previous", () => { listRedrawn(); onPage(page - 1); }, { disabled: page <= 1, "data-testid": "previous-page" }),
    h("span", { class: "muted pager-status", id: `pager-${++fieldCount}` }, pages ? `Page ${page} of ${pages}` : `Page ${page}`),
    button("Next", () => { listRedrawn(); onPage(page + 1); }, { disabled: pages ? page >= pages : !hasNext, "data-testid": "next-page" }));
}

export function pageHeader(title, ...actions) {
  return h("div", { class: "page-head" }, h("h1", {}, title),
    actions.length ? h("div", { class: "actions-row" }, actions) : null);
}
