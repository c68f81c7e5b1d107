// Users: the directory (everyone locally; in jwt mode yourself, or everyone for admins),
// and registering one.
import { api, query } from "../api.js";
import {
  dangerButton, dataTable, dateText, errorBox, field, formErrors, keepFocusInList, loading, pageHeader, pager,
  submitButton,
} from "../components.js";
import { announce, h } from "../dom.js";
import { navigate } from "../router.js";

const USER_LABELS = { userId: "User id", name: "Name", email: "E-mail" };

// `again`: drawn after a registration, focus goes to the emptied form for the next one.
export async function usersPage({ render, params, again = false }) {
  const cursor = params.get("cursor") || "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const refresh = (next = false) => usersPage({ render, params, again: next });
  const userId = h("input", { name: "userId", required: true, autocomplete: "off" });
  const name = h("input", { name: "name", required: true, autocomplete: "name" });
  const email = h("input", { name: "email", type: "email", required: true, autocomplete: "email" });
  const form = h("form", { class: "form", novalidate: true, "data-testid": "user-form" },
    h("div", { class: "grid-fields" }, field("User id", userId), field("Name", name), field("E-mail", email)),
    h("div", { class: "actions-row" }, submitButton("Register")));
  const errors = formErrors(form, USER_LABELS);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { data } = await api("/api/v1/users", { method: "POST",
        body: { userId: userId.value.trim(), name: name.value.trim(), email: email.value.trim() } });
      errors.clear();
      form.reset();
      announce(`Registered ${data.userId}`);
      refresh(true);
    } catch (error) {
      errors.show(error);
    }
  });
  const me = h("p", { class: "muted" }, "…");
  const holder = h("div", {}, loading());
  render(pageHeader("Users"), me, h("section", { class: "card" }, h("h2", {}, "Register a user"), form), holder);
  if (again) userId.focus();
  api("/api/v1/users/me").then(({ data }) => {
    me.textContent = data.auth_mode === "none"
      ? "Local mode (AUTH_MODE=none): you are the operator and see every user."
      : `You are signed in as ${data.sub}.`;
  }).catch(() => { me.textContent = ""; });
  try {
    const { data, headers } = await api(`/api/v1/users${query({ limit: 20, cursor })}`);
    const next = headers.get("x-next-cursor");
    holder.replaceChildren(dataTable({
      caption: "Users", testid: "users-table", rows: data, empty: "No users registered yet.",
      columns: [
        { label: "User id", cell: (u) => h("span", { class: "strong" }, u.userId) },
        { label: "Name", cell: (u) => u.name },
        { label: "E-mail", class: "col-wrap", cell: (u) => u.email },
        { label: "Registered", cell: (u) => dateText(u.createdAt) },
        { label: "Actions", class: "col-actions", cell: (u) => dangerButton("Delete", {
          name: u.userId,
          question: `Delete the user ${u.userId}?`,
          action: () => api(`/api/v1/users/${encodeURIComponent(u.userId)}`, { method: "DELETE" }),
          done: `Deleted ${u.userId}`,
          after: refresh,
        }) },
      ],
    }), pager({ page, hasNext: Boolean(next),
      onPage: (to) => (to < page ? window.history.back() : navigate("/users", { cursor: next, page: page + 1 })) }));
    keepFocusInList(holder);
  } catch (error) {
    holder.replaceChildren(errorBox(error));
  }
}
