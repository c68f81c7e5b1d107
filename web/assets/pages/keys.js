// API keys for machines: create (the secret is shown once), list, revoke.
import { api } from "../api.js";
import {
  copyButton, dangerButton, dataTable, dateText, errorBox, field, formErrors, keepFocusInList, loading, pageHeader,
  submitButton,
} from "../components.js";
import { announce, h } from "../dom.js";

export async function keysPage({ render }) {
  const refresh = () => keysPage({ render });
  const name = h("input", { name: "name", required: true, maxlength: 100, placeholder: "e.g. deploy bot", "data-testid": "key-name" });
  const revealed = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "form", novalidate: true, "data-testid": "key-form" },
    h("div", { class: "url-row" }, field("Name", name, { wide: true }), submitButton("Create key", { "data-testid": "key-create" })));
  const errors = formErrors(form, { name: "Name" });
  const holder = h("div", {}, loading());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { data } = await api("/api/v1/keys", { method: "POST", body: { name: name.value.trim() } });
      errors.clear();
      form.reset();
      revealed.replaceChildren(h("div", { class: "card secret", role: "alert", "data-testid": "key-secret" },
        h("h2", {}, `Your new key “${data.name}”`),
        h("p", {}, "Copy it now: it is shown only this once and cannot be read again."),
        h("p", { class: "short-line" }, h("code", { class: "secret-value" }, data.secret), copyButton(data.secret, "Copy key")),
        h("p", { class: "muted" }, "Send it as ", h("code", {}, "Authorization: Bearer sk_…"), ".")));
      await listKeys(holder, refresh);
    } catch (error) {
      errors.show(error);
    }
  });
  render(pageHeader("API keys"),
    h("p", { class: "lead muted" }, "Keys let scripts and services call the API as you. Each key can be revoked at once."),
    h("section", { class: "card" }, h("h2", {}, "Create a key"), form), revealed, holder);
  await listKeys(holder, refresh);
}

async function listKeys(holder, refresh) {
  try {
    const { data } = await api("/api/v1/keys");
    holder.replaceChildren(dataTable({
      caption: "Your API keys", testid: "keys-table", rows: data, empty: "No keys yet.",
      columns: [
        { label: "Name", cell: (k) => h("span", { class: "strong" }, k.name) },
        { label: "Key", cell: (k) => h("code", {}, `${k.hint}`) },
        { label: "Created", cell: (k) => dateText(k.created_at) },
        { label: "Last used", cell: (k) => dateText(k.last_used_at, { withTime: true, none: "never" }) },
        { label: "Actions", class: "col-actions", cell: (k) => dangerButton("Revoke", {
          name: k.name,
          question: `Revoke the key “${k.name}”? Programs using it stop at once.`,
          action: () => api(`/api/v1/keys/${encodeURIComponent(k.key_id)}`, { method: "DELETE" }),
          done: `Revoked ${k.name}`,
          after: refresh,
        }) },
      ],
    }));
    keepFocusInList(holder);
  } catch (error) {
    holder.replaceChildren(errorBox(error));
  }
}
