// How long a link lives, as people choose it: a preset, a date, or never.
import { h } from "./dom.js";
import { field } from "./components.js";

const PRESETS = [["7", "7 days"], ["30", "30 days"], ["90", "90 days"], ["365", "1 year"], ["never", "Never"], ["date", "On a date…"]];

function localInputValue(iso) {
  const when = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

// Two controls (a choice and a date) and `value()`: {ttl_days}, {expires_at}, or
// {expires_at: null} for never. `current` is a link's expires_at when editing.
export function expiryFields({ current, editing = false } = {}) {
  const choice = h("select", { name: "expiry_choice" },
    PRESETS.map(([value, label]) => h("option", { value, selected: !editing && value === "30" }, label)));
  const date = h("input", { name: "expires_at", type: "datetime-local" });
  if (editing) {
    choice.prepend(h("option", { value: "keep" }, "Keep as it is"));
    choice.value = current === null ? "never" : "keep";
    if (current) date.value = localInputValue(current);
  }
  const dateField = field("Expires on", date, { hint: "Your local time." });
  const sync = () => { dateField.hidden = choice.value !== "date"; };
  choice.addEventListener("change", sync);
  sync();
  return {
    nodes: [field("Expires", choice), dateField],
    value() {
      if (choice.value === "keep") return {};
      if (choice.value === "never") return { expires_at: null };
      if (choice.value === "date") return { expires_at: date.value ? new Date(date.value).toISOString() : "" };
      return editing
        ? { expires_at: new Date(Date.now() + Number(choice.value) * 86400000).toISOString() }
        : { ttl_days: Number(choice.value) };
    },
  };
}
