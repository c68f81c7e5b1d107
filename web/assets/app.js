// The single page: hash routes (#/, #/links, #/links/<id>, #/items, #/users), because any
// single-segment path on this origin is a short link that the server redirects.
import { api, ApiError } from "./api.js";
import { completeSignIn, signIn, signInConfigured, signOut, accessToken } from "./auth.js";
import { dailyChart } from "./chart.js";
import { announce, field, h, showFieldErrors } from "./dom.js";
import { qrSvg } from "./qr.js";

const main = document.getElementById("main");

function render(...children) {
  main.replaceChildren(...children);
}

function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, error instanceof ApiError ? error.message : String(error));
}

function loading() {
  return h("p", { class: "muted", "aria-busy": "true" }, "Loading…");
}

function button(label, onclick, attrs = {}) {
  return h("button", { type: "button", onclick, ...attrs }, label);
}

// ---------------------------------------------------------------- shorten
function shortenView() {
  const url = h("input", { name: "url", type: "url", required: true, "data-testid": "shorten-url",
    placeholder: "https://example.com/a/long/page", autocomplete: "off" });
  const alias = h("input", { name: "alias", pattern: "[A-Za-z0-9_-]{3,64}", placeholder: "optional" });
  const ttl = h("input", { name: "ttl_days", type: "number", min: 1, max: 3650, placeholder: "30" });
  const status = h("select", { name: "redirect_status" },
    h("option", { value: "302" }, "302 Found (default)"),
    h("option", { value: "301" }, "301 Moved permanently"),
    h("option", { value: "307" }, "307 Temporary redirect"),
    h("option", { value: "308" }, "308 Permanent redirect"));
  const result = h("div", { class: "result", "aria-live": "polite" });
  const submit = h("button", { type: "submit", "data-testid": "shorten-submit" }, "Shorten");
  const form = h("form", { class: "card", novalidate: true },
    h("h1", {}, "Shorten a URL"),
    field("Long URL", url),
    h("div", { class: "row" },
      field("Alias", alias, "3-64 of A-Z a-z 0-9 _ -"),
      field("Expires in (days)", ttl),
      field("Redirect", status)),
    submit, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    result.replaceChildren(loading());
    const body = { url: url.value.trim(), redirect_status: Number(status.value) };
    if (alias.value.trim()) body.alias = alias.value.trim();
    if (ttl.value) body.ttl_days = Number(ttl.value);
    try {
      const { data } = await api("/api/v1/links", { method: "POST", body });
      showFieldErrors(form, new ApiError(200, ""));
      const link = h("a", { href: data.short_url, "data-testid": "short-url" }, data.short_url);
      const copy = button("Copy", async () => {
        try {
          await navigator.clipboard.writeText(data.short_url);
          announce("Copied to the clipboard");
        } catch (error) {
          announce("Copy failed: select the link and copy it");
        }
      }, { "data-testid": "copy-short-url" });
      result.replaceChildren(h("p", {}, "Your short link: ", link, " ", copy), qrSvg(data.short_url) || "");
      announce(`Short link created: ${data.short_url}`);
      form.reset();
    } catch (error) {
      const shown = showFieldErrors(form, error);
      result.replaceChildren(shown ? "" : errorBox(error));
      if (shown) result.append(errorBox(error));
    } finally {
      submit.disabled = false;
    }
  });
  render(form);
  url.focus();
}

// ---------------------------------------------------------------- links
async function linksView(cursor = null, history = []) {
  render(h("h1", {}, "Your links"), loading());
  try {
    const query = new URLSearchParams({ limit: "20" });
    if (cursor) query.set("cursor", cursor);
    const { data, headers } = await api(`/api/v1/links?${query}`);
    const next = headers.get("x-next-cursor");
    const rows = data.map((link) => h("tr", {},
      h("td", {}, h("a", { href: link.short_url }, link.short_id)),
      h("td", { class: "url" }, link.url),
      h("td", { class: "num" }, link.click_count),
      h("td", {}, link.is_active ? "active" : "disabled"),
      h("td", { class: "actions" },
        h("a", { href: `#/links/${encodeURIComponent(link.short_id)}` }, "Stats"), " ",
        button(link.is_active ? "Disable" : "Enable", async () => {
          await guarded(() => api(`/api/v1/links/${link.short_id}`, { method: "PATCH", body: { is_active: !link.is_active } }));
          linksView(cursor, history);
        }), " ",
        button("Delete", async () => {
          if (!window.confirm(`Delete ${link.short_id}?`)) return;
          await guarded(() => api(`/api/v1/links/${link.short_id}`, { method: "DELETE" }));
          announce(`Deleted ${link.short_id}`);
          linksView(cursor, history);
        }, { class: "danger" }))));
    const table = h("table", { "data-testid": "links-table" },
      h("caption", { class: "sr-only" }, "Your short links"),
      h("thead", {}, h("tr", {}, ["Short id", "Target", "Clicks", "Status", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No links yet."))));
    render(h("h1", {}, "Your links"), h("div", { class: "scroll" }, table),
      pager(history.length > 0, Boolean(next),
        () => linksView(history[history.length - 1] || null, history.slice(0, -1)),
        () => linksView(next, [...history, cursor])));
  } catch (error) {
    render(h("h1", {}, "Your links"), errorBox(error));
  }
}

function pager(hasPrevious, hasNext, previous, next) {
  return h("nav", { class: "pager", "aria-label": "Pages" },
    button("Previous", previous, { disabled: !hasPrevious }),
    button("Next", next, { disabled: !hasNext, "data-testid": "next-page" }));
}

async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    announce(error.message);
    return null;
  }
}

function countList(title, rows) {
  return h("section", { class: "card" }, h("h2", {}, title),
    rows.length ? h("ol", {}, rows.map((r) => h("li", {}, `${r.value}: ${r.clicks}`)))
      : h("p", { class: "muted" }, "Nothing yet."));
}

async function statsView(shortId) {
  render(h("h1", {}, `Stats for ${shortId}`), loading());
  try {
    const { data } = await api(`/api/v1/links/${encodeURIComponent(shortId)}/stats`);
    render(
      h("h1", {}, `Stats for ${shortId}`),
      h("p", {}, `${data.clicks} clicks from ${data.from} to ${data.to} (${data.bots} from bots)`),
      h("section", { class: "card", "data-testid": "stats" }, dailyChart(data.days)),
      h("div", { class: "grid" },
        countList("Top referrers", data.referrers), countList("Browsers", data.browsers),
        countList("Devices", data.devices), countList("Countries", data.countries)),
      h("p", {}, h("a", { href: "#/links" }, "Back to your links")));
  } catch (error) {
    const text = error.status === 404 ? "No such link, or it is not yours." : error.message;
    render(h("h1", {}, `Stats for ${shortId}`), h("p", { class: "error", role: "alert" }, text));
  }
}

// ---------------------------------------------------------------- items
async function itemsView(state = { cursor: null, history: [], category: "" }) {
  const name = h("input", { name: "name", required: true, maxlength: 100 });
  const price = h("input", { name: "price", type: "number", step: "0.01", required: true });
  const category = h("input", { name: "category", required: true, maxlength: 50 });
  const description = h("textarea", { name: "description", rows: 2 });
  const editing = { id: null };
  const submit = h("button", { type: "submit" }, "Add item");
  const cancel = button("Cancel edit", () => { editing.id = null; form.reset(); submit.textContent = "Add item"; cancel.hidden = true; });
  cancel.hidden = true;
  const formError = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", "data-testid": "item-form", novalidate: true },
    h("h2", {}, "Item"),
    h("div", { class: "row" }, field("Name", name), field("Price", price), field("Category", category)),
    field("Description", description), submit, " ", cancel, formError);
  const filter = h("input", { name: "filter", value: state.category, placeholder: "all categories", "data-testid": "category-filter" });
  const filterForm = h("form", { class: "row filter", role: "search" }, field("Category filter", filter),
    h("button", { type: "submit" }, "Filter"));
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    itemsView({ cursor: null, history: [], category: filter.value.trim() });
  });
  const tableHolder = h("div", { class: "scroll" }, loading());
  render(h("h1", {}, "Items catalog"), form, filterForm, tableHolder);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value, price: price.value === "" ? null : Number(price.value), category: category.value };
    if (description.value.trim()) body.description = description.value;
    try {
      if (editing.id) await api(`/api/v1/items/${editing.id}`, { method: "PUT", body });
      else await api("/api/v1/items", { method: "POST", body });
      announce(editing.id ? "Item saved" : "Item added");
      itemsView(state);
    } catch (error) {
      const shown = showFieldErrors(form, error);
      formError.replaceChildren(shown ? "" : errorBox(error));
    }
  });

  try {
    const query = new URLSearchParams({ limit: "10" });
    if (state.cursor) query.set("cursor", state.cursor);
    if (state.category) query.set("category", state.category);
    const { data, headers } = await api(`/api/v1/items?${query}`);
    const next = headers.get("x-next-cursor");
    const rows = data.map((item) => h("tr", {},
      h("td", {}, item.name), h("td", { class: "num" }, item.price.toFixed(2)), h("td", {}, item.category),
      h("td", { class: "actions" },
        button("Edit", () => {
          editing.id = item.item_id;
          name.value = item.name; price.value = item.price; category.value = item.category;
          description.value = item.description || "";
          submit.textContent = "Save item"; cancel.hidden = false; name.focus();
        }), " ",
        button("Delete", async () => {
          if (!window.confirm(`Delete ${item.name}?`)) return;
          await guarded(() => api(`/api/v1/items/${item.item_id}`, { method: "DELETE" }));
          itemsView(state);
        }, { class: "danger" }))));
    tableHolder.replaceChildren(
      h("table", { "data-testid": "items-table" },
        h("thead", {}, h("tr", {}, ["Name", "Price", "Category", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No items.")))),
      pager(state.history.length > 0, Boolean(next),
        () => itemsView({ ...state, cursor: state.history[state.history.length - 1] || null, history: state.history.slice(0, -1) }),
        () => itemsView({ ...state, cursor: next, history: [...state.history, state.cursor] })));
  } catch (error) {
    tableHolder.replaceChildren(errorBox(error));
  }
}

// ---------------------------------------------------------------- users
function usersView() {
  const userId = h("input", { name: "userId", required: true });
  const name = h("input", { name: "name", required: true });
  const email = h("input", { name: "email", type: "email", required: true });
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true }, h("h2", {}, "Register a user"),
    h("div", { class: "row" }, field("User id", userId), field("Name", name), field("E-mail", email)),
    h("button", { type: "submit" }, "Register"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { data } = await api("/api/v1/users", { method: "POST", body: { userId: userId.value, name: name.value, email: email.value } });
      showFieldErrors(form, new ApiError(200, ""));
      result.replaceChildren(h("p", {}, `Registered ${data.userId}`));
      form.reset();
    } catch (error) {
      const shown = showFieldErrors(form, error);
      result.replaceChildren(shown ? "" : errorBox(error));
    }
  });
  const me = h("p", { class: "muted" }, "…");
  render(h("h1", {}, "Users"), me, form);
  api("/api/v1/users/me").then(({ data }) => { me.textContent = `You are “${data.sub}” (auth: ${data.auth_mode}).`; })
    .catch((error) => { me.textContent = error.message; });
}

// ---------------------------------------------------------------- shell
function renderSession() {
  const holder = document.getElementById("session");
  if (!signInConfigured()) return holder.replaceChildren();
  holder.replaceChildren(accessToken() ? button("Sign out", signOut) : button("Sign in", signIn));
}

function route() {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  for (const link of document.querySelectorAll("header nav a")) {
    const current = link.getAttribute("href") === `#${hash.split("/").slice(0, 2).join("/") || "/"}`;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const stats = hash.match(/^\/links\/([^/]+)$/);
  if (stats) return statsView(decodeURIComponent(stats[1]));
  if (hash === "/links") return linksView();
  if (hash === "/items") return itemsView();
  if (hash === "/users") return usersView();
  return shortenView();
}

window.addEventListener("hashchange", route);
completeSignIn().finally(() => {
  renderSession();
  route();
});
