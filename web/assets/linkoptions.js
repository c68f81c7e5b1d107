// What decides where a visit goes and who may follow a link: when it starts, where
// visitors go instead, a password, the visitor's query, redirect rules, an A/B split and
// a social preview. One set of controls for the create form and the edit dialog;
// `value()` gives the fields to send (when editing, only what changed).
import { button, field } from "./components.js";
import { h } from "./dom.js";

export const OPTION_LABELS = {
  valid_since: "Starts on", fallback_url: "Fallback URL", password: "Password",
  forward_query: "Forward the query", rules: "Redirect rules", variants: "A/B split",
  preview: "Social preview",
};

const DEVICES = [["", "Any device"], ["ios", "iPhone or iPad"], ["android", "Android"],
  ["mobile", "Any phone or tablet"], ["desktop", "Desktop"]];
const RULES_MAX = 10;
const VARIANTS_MAX = 5;

function localInputValue(iso) {
  const when = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

// "utm_source=mail&lang=fr" <-> {utm_source: "mail", lang: "fr"}
function queryText(query) {
  return query ? new URLSearchParams(query).toString() : "";
}

function queryObject(text) {
  const pairs = [...new URLSearchParams(text.trim().replace(/^\?/, ""))];
  return pairs.length ? Object.fromEntries(pairs) : null;
}

// A list people add rows to and remove rows from, inside a fieldset that carries the
// field's name, so a 422 about `rules[2].url` is shown under it like any field's error.
function rowList({ name, legend, hint, max, addLabel, makeRow, initial }) {
  const id = `opt-${name}`;
  const rows = [];
  const body = h("div", { class: "option-rows" });
  const add = button(addLabel, () => addRow({}, true), { "data-testid": `add-${name}` });
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const note = h("p", { class: "hint", id: `${id}-hint` }, hint);
  const set = h("fieldset", { class: "field field-wide option-list", name, id, "aria-describedby": `${id}-hint ${id}-error`, "data-testid": `${name}-list` },
    h("legend", {}, legend), note, body, add, error);
  const sync = () => {
    add.disabled = rows.length >= max;
    rows.forEach((row, index) => row.setIndex(index));
  };
  function addRow(values, focus = false) {
    const row = makeRow(values, () => {
      rows.splice(rows.indexOf(row), 1);
      row.node.remove();
      sync();
      add.focus();
    });
    rows.push(row);
    body.append(row.node);
    sync();
    if (focus) row.focus();
  }
  for (const values of initial) addRow(values);
  sync();
  const clear = () => {
    for (const row of rows.splice(0)) row.node.remove();
    sync();
  };
  return { node: set, values: () => rows.map((row) => row.value()), clear };
}

function ruleRow(rule, remove) {
  const url = h("input", { type: "url", name: "rule_url", value: rule.url || "", placeholder: "https://example.com/app", required: true });
  const device = h("select", { name: "rule_device" }, DEVICES.map(([v, l]) => h("option", { value: v }, l)));
  device.value = rule.device || "";
  const language = h("input", { name: "rule_language", value: rule.language || "", placeholder: "any", maxlength: 3, size: 4, autocomplete: "off" });
  const country = h("input", { name: "rule_country", value: rule.country || "", placeholder: "any", maxlength: 2, size: 3, autocomplete: "off" });
  const query = h("input", { name: "rule_query", value: queryText(rule.query), placeholder: "utm_source=mail", autocomplete: "off" });
  const label = h("span", { class: "option-index" });
  const removeButton = button("Remove", remove, { variant: "ghost" });
  const labelled = (text, control) => h("label", { class: "option-part" }, h("span", { class: "muted" }, text), control);
  const node = h("div", { class: "option-row", "data-testid": "rule-row" }, label,
    labelled("Go to", url), labelled("Device", device), labelled("Language", language),
    labelled("Country", country), labelled("Query", query), removeButton);
  return {
    node,
    focus: () => url.focus(),
    setIndex(index) {
      label.textContent = `Rule ${index + 1}`;
      removeButton.setAttribute("aria-label", `Remove rule ${index + 1}`);
    },
    value() {
      const value = { url: url.value.trim() };
      if (device.value) value.device = device.value;
      if (language.value.trim()) value.language = language.value.trim().toLowerCase();
      if (country.value.trim()) value.country = country.value.trim().toUpperCase();
      const pairs = queryObject(query.value);
      if (pairs) value.query = pairs;
      return value;
    },
  };
}

function variantRow(variant, remove) {
  const url = h("input", { type: "url", name: "variant_url", value: variant.url || "", placeholder: "https://example.com/b", required: true });
  const weight = h("input", { type: "number", name: "variant_weight", min: 1, max: 100, value: variant.weight ?? 50, inputmode: "numeric" });
  const label = h("span", { class: "option-index" });
  const removeButton = button("Remove", remove, { variant: "ghost" });
  const labelled = (text, control) => h("label", { class: "option-part" }, h("span", { class: "muted" }, text), control);
  const node = h("div", { class: "option-row", "data-testid": "variant-row" }, label,
    labelled("Go to", url), labelled("Weight", weight), removeButton);
  return {
    node,
    focus: () => url.focus(),
    setIndex(index) {
      label.textContent = `Variant ${String.fromCharCode(65 + index)}`;
      removeButton.setAttribute("aria-label", `Remove variant ${String.fromCharCode(65 + index)}`);
    },
    value: () => ({ url: url.value.trim(), weight: Number(weight.value) }),
  };
}

function passwordControls(link) {
  const input = h("input", { type: "password", name: "password", autocomplete: "new-password", minlength: 4, maxlength: 128,
    placeholder: link && link.password_protected ? "keep the current one" : "none", "data-testid": "link-password" });
  const remove = h("input", { type: "checkbox", name: "remove_password", "data-testid": "remove-password" });
  const status = link && link.password_protected
    ? h("p", { class: "hint", "data-testid": "password-status" }, "A password is set. Type a new one to replace it.")
    : null;
  remove.addEventListener("change", () => { input.disabled = remove.checked; });
  const nodes = [field("Password", input, { hint: "4-128 characters. Visitors type it before they are sent on." })];
  if (status) nodes.push(h("div", { class: "field" }, status, h("label", { class: "check" }, remove, " Remove the password")));
  return {
    nodes,
    value() {
      if (remove.checked) return { password: null };
      return input.value ? { password: input.value } : {};
    },
  };
}

// Equal as the API would store them: absent and null parts are the same thing.
function compact(value) {
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, compact(v)]));
  }
  return value;
}

function same(a, b) {
  return JSON.stringify(compact(a)) === JSON.stringify(compact(b));
}

// `link` is the link being edited (absent on create).
export function linkOptions(link) {
  const since = h("input", { type: "datetime-local", name: "valid_since", value: link && link.valid_since ? localInputValue(link.valid_since) : "" });
  const fallback = h("input", { type: "url", name: "fallback_url", value: (link && link.fallback_url) || "", placeholder: "none" });
  const forward = h("input", { type: "checkbox", name: "forward_query", checked: Boolean(link && link.forward_query) });
  const password = passwordControls(link);
  const rules = rowList({ name: "rules", legend: "Redirect rules", max: RULES_MAX, addLabel: "Add a rule",
    hint: "Checked in order; the first rule whose every condition holds decides. Language: en, fr, ...; country: two letters.",
    makeRow: ruleRow, initial: (link && link.rules) || [] });
  const variants = rowList({ name: "variants", legend: "A/B split", max: VARIANTS_MAX, addLabel: "Add a variant",
    hint: "Visitors no rule sends elsewhere go to one variant, in proportion to the weights (1-100).",
    makeRow: variantRow, initial: (link && link.variants) || [] });
  const preview = (link && link.preview) || {};
  const previewTitle = h("input", { name: "preview_title", value: preview.title || "", maxlength: 200 });
  const previewText = h("input", { name: "preview_description", value: preview.description || "", maxlength: 500 });
  const previewImage = h("input", { type: "url", name: "preview_image_url", value: preview.image_url || "", placeholder: "https://example.com/card.png" });
  const nodes = [
    h("div", { class: "grid-fields" },
      field("Starts on", since, { hint: "Your local time. Before it the link is not there yet." }),
      field("Fallback URL", fallback, { hint: "Where visitors go when the link cannot take them." }),
      ...password.nodes),
    h("label", { class: "check" }, forward, " Add the visitor's query string to the target"),
    rules.node,
    variants.node,
    h("fieldset", { class: "field field-wide option-list", name: "preview", id: "opt-preview", "aria-describedby": "opt-preview-error" },
      h("legend", {}, "Social preview"),
      h("div", { class: "grid-fields" }, field("Preview title", previewTitle),
        field("Preview description", previewText), field("Preview image URL", previewImage)),
      h("p", { class: "field-error", id: "opt-preview-error" })),
  ];
  return {
    nodes,
    // After a form's reset(): the rows added by hand go too.
    clear() {
      rules.clear();
      variants.clear();
    },
    value() {
      const wanted = {
        valid_since: since.value ? new Date(since.value).toISOString() : null,
        fallback_url: fallback.value.trim() || null,
        forward_query: forward.checked,
        rules: rules.values(),
        variants: variants.values(),
      };
      const card = {};
      if (previewTitle.value.trim()) card.title = previewTitle.value.trim();
      if (previewText.value.trim()) card.description = previewText.value.trim();
      if (previewImage.value.trim()) card.image_url = previewImage.value.trim();
      wanted.preview = Object.keys(card).length ? card : null;
      const body = { ...password.value() };
      for (const [name, value] of Object.entries(wanted)) {
        if (link) {
          // Only what changed. The date input shows minutes: compare at that grain.
          const before = name === "valid_since" && link.valid_since
            ? new Date(localInputValue(link.valid_since)).toISOString() : link[name] ?? null;
          if (!same(before, value)) body[name] = value;
        } else if (value !== null && value !== false && !(Array.isArray(value) && !value.length)) {
          body[name] = value;
        }
      }
      return body;
    },
  };
}

// What a link's list row shows beside its state: scheduled, protected, rules, A/B.
export function optionBadges(link, badge) {
  const badges = [];
  // A scheduled link's state says so already; a disabled one may still be scheduled.
  if (link.state !== "scheduled" && link.valid_since && new Date(link.valid_since) > new Date()) {
    badges.push(badge("Scheduled", "info"));
  }
  if (link.password_protected) badges.push(badge("Protected", "neutral"));
  if (link.rules && link.rules.length) badges.push(badge(`${link.rules.length} ${link.rules.length === 1 ? "rule" : "rules"}`, "neutral"));
  if (link.variants && link.variants.length) badges.push(badge("A/B", "neutral"));
  return badges;
}
