// Acting on many links at once (POST /api/v1/links/bulk): a checkbox per row, one to select
// the whole page, and a bar with how many are selected and one action for all of them. The
// outcome (n done, m failed and why) stays above the list once it is drawn again; the links
// that failed stay selected, to try again, and the rest are let go.
import { api } from "../api.js";
import { button, confirmAction, field, formErrors, submitButton, whileBusy } from "../components.js";
import { announce, h, say } from "../dom.js";
import { generalSentence } from "../errors.js";

const ACTIONS = [
  ["disable", "Disable"], ["enable", "Enable"], ["add_tag", "Add a tag"], ["remove_tag", "Remove a tag"],
  ["set_expiry", "Set the expiry"], ["clear_expiry", "Never expire"], ["delete", "Delete"],
];
// What was done, for the outcome's sentence ("Disabled 3 links").
const DONE = {
  disable: "Disabled", enable: "Enabled", add_tag: "Tagged", remove_tag: "Untagged",
  set_expiry: "Set the expiry of", clear_expiry: "Made never expire", delete: "Deleted",
};

// The ids selected, kept while the list is drawn again (after an action, a filter that still
// shows them); a link no longer shown is let go, so nothing unseen is ever acted on, unless
// every link of the search was chosen ("Select all N matching"): then the selection holds
// for that search, on every page of it, until it changes.
const selected = new Set();
let matching = null;
// The last action's outcome, shown above the list it redrew (once).
let outcome = null;
// The API takes 1,000 ids at a time; a list page holds 100.
const MATCHING_MAX = 1000;
const FETCH_PAGE = 100;

const plural = (n) => `${n.toLocaleString()} ${n === 1 ? "link" : "links"}`;

// The ids of the first `most` links of a search, a page of 100 at a time (`pathOf(page, limit)`).
async function matchingIds(pathOf, most) {
  const ids = [];
  for (let page = 1; ids.length < most; page += 1) {
    const { data } = await api(pathOf(page, FETCH_PAGE));
    ids.push(...data.map((link) => link.short_id));
    if (data.length < FETCH_PAGE) break;
  }
  return ids.slice(0, most);
}

// `rows`: the links shown; `refresh(answer)` draws the list again after an action, whose
// answer says what became of each link; `total`: how many match the search named `search`,
// whose pages `pathOf(page, limit)` reads. Returns the table's first column, the node drawn
// above the table, `drawn()` to call once the table is in the page, and `focusTarget()`:
// the outcome, for focus after an action.
export function bulkSelection(rows, refresh, { total = rows.length, search = "", pathOf = null } = {}) {
  const shown = new Set(rows.map((link) => link.short_id));
  if (matching !== search) {
    matching = null;
    for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
  }
  const boxes = new Map();
  // Beside the list, not in its header: a phone's table has none to show (its rows are cards).
  const all = h("input", { type: "checkbox", "data-testid": "select-page", disabled: rows.length === 0 });
  const allLabel = h("label", { class: "check bulk-all" }, all, "Select all on this page");
  const count = h("p", { class: "bulk-count", "data-testid": "bulk-count", tabindex: "-1" });
  const form = bulkForm(() => [...selected], (answer) => {
    outcome = answer;
    for (const result of answer.results) if (result.status < 300) selected.delete(result.id);
    refresh(answer);
  });
  const most = Math.min(total, MATCHING_MAX);
  const everyMatch = button(total > MATCHING_MAX ? `Select the first ${most.toLocaleString()} matching links`
    : `Select all ${plural(total)} that match`, () => whileBusy(everyMatch, async () => {
    try {
      for (const id of await matchingIds(pathOf, most)) selected.add(id);
      matching = search;
      update();
      say(`${plural(selected.size)} selected`);
      count.focus(); // the button is gone: focus stays in the bar, on what it did
    } catch (error) {
      announce(generalSentence(error), { tone: "error" });
    }
  }), { "data-testid": "select-matching" });
  const clear = button("Clear selection", () => {
    selected.clear();
    matching = null;
    update();
    say("No link selected");
    all.focus();
  }, { "data-testid": "bulk-clear" });
  const report = outcomeNode(outcome);
  outcome = null;
  const bar = h("section", { class: "bulk-bar", "aria-label": "Selected links", "data-testid": "bulk-bar" },
    h("div", { class: "bulk-head" }, count, everyMatch, clear), form.node);
  const head = h("div", { class: "bulk-select" }, allLabel);
  const update = () => {
    const n = selected.size;
    if (n === 0) matching = null;
    const onPage = [...shown].filter((id) => selected.has(id)).length;
    count.textContent = matching === null ? `${plural(n)} selected` : `${plural(n)} selected, on every page`;
    bar.hidden = n === 0;
    all.checked = onPage > 0 && onPage === shown.size;
    all.indeterminate = onPage > 0 && onPage < shown.size;
    everyMatch.hidden = !pathOf || matching !== null || onPage < shown.size || total <= shown.size;
    for (const [id, box] of boxes) box.checked = selected.has(id);
    form.sized(n);
  };
  all.addEventListener("change", () => {
    for (const id of shown) if (all.checked) selected.add(id); else selected.delete(id);
    update();
    say(`${plural(selected.size)} selected`);
  });
  const column = {
    label: "Select",
    class: "col-select",
    cell: (link) => {
      const box = h("input", { type: "checkbox", "aria-label": `Select ${link.short_id}`, "data-testid": "select-link" });
      box.addEventListener("change", () => {
        if (box.checked) selected.add(link.short_id); else selected.delete(link.short_id);
        update();
        say(`${plural(selected.size)} selected`);
      });
      boxes.set(link.short_id, box);
      return box;
    },
  };
  const holder = h("div", { class: "bulk" }, report, rows.length ? head : null, bar);
  return {
    column,
    node: holder,
    // Called once the table is in the page: the boxes now exist.
    drawn: update,
    focusTarget: () => report,
  };
}

// The action's form: what to do, its argument (a tag or a date), and Apply.
function bulkForm(ids, done) {
  const action = h("select", { name: "action", "data-testid": "bulk-action" },
    ACTIONS.map(([value, label]) => h("option", { value }, label)));
  const tag = h("input", { name: "tag", autocomplete: "off", "data-testid": "bulk-tag" });
  const date = h("input", { name: "expires_at", type: "datetime-local", "data-testid": "bulk-expiry" });
  const tagField = field("Tag to add or remove", tag);
  const dateField = field("Expires on", date, { hint: "Your local time." });
  const apply = submitButton("Apply", { "data-testid": "bulk-apply" });
  const form = h("form", { class: "bulk-form", novalidate: true },
    field("Action", action), tagField, dateField, h("div", { class: "bulk-submit" }, apply));
  const errors = formErrors(form, { action: "Action", tag: "Tag to add or remove", expires_at: "Expires on", ids: "Selection" });
  const sync = () => {
    tagField.hidden = !["add_tag", "remove_tag"].includes(action.value);
    dateField.hidden = action.value !== "set_expiry";
  };
  action.addEventListener("change", () => { errors.clear(); sync(); });
  sync();
  let size = 0;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const chosen = action.value;
    const body = { action: chosen, ids: ids() };
    if (!tagField.hidden) body.tag = tag.value.trim();
    if (!dateField.hidden) body.expires_at = date.value ? new Date(date.value).toISOString() : "";
    if (chosen === "delete" && !(await confirmAction(`Delete ${plural(size)}? Their statistics go too.`, "Delete"))) {
      return;
    }
    await whileBusy(apply, async () => {
      try {
        const { data } = await api("/api/v1/links/bulk", { method: "POST", body });
        announce(sentence(data));
        done(data);
      } catch (error) {
        if (error.status === 422) errors.show(error);
        else announce(generalSentence(error), { tone: "error" });
      }
    });
  });
  return {
    node: form,
    sized(n) {
      size = n;
      apply.textContent = `Apply to ${plural(n)}`;
    },
  };
}

function sentence(answer) {
  const done = `${DONE[answer.action] || "Changed"} ${plural(answer.changed)}`;
  return answer.failed ? `${done}; ${answer.failed.toLocaleString()} failed.` : `${done}.`;
}

// The outcome of the last action: its sentence and, for each link that failed, why.
function outcomeNode(answer) {
  if (!answer) return null;
  const failures = answer.results.filter((result) => result.status >= 300);
  return h("div", { class: `alert ${failures.length ? "alert-warn" : "alert-info"} bulk-outcome`, tabindex: "-1",
    "data-testid": "bulk-outcome" },
    h("p", {}, sentence(answer)),
    failures.length ? h("ul", { class: "bulk-failures" }, failures.map((result) =>
      h("li", {}, h("strong", {}, result.id), ": ", result.error ? result.error.message : `status ${result.status}`))) : null);
}
