// The Items catalog: create, edit in a dialog, delete, filter by category, pages.
import { api, query } from "../api.js";
import {
  button, dangerButton, dataTable, dialog, errorBox, field, formErrors, keepFocusInList, loading, pageHeader, pager,
  submitButton,
} from "../components.js";
import { announce, h } from "../dom.js";
import { navigate } from "../router.js";

const PAGE_SIZE = 10;
const ITEM_LABELS = { name: "Name", price: "Price", category: "Category", description: "Description" };
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function itemForm(item, onSaved, onCancel) {
  const name = h("input", { name: "name", required: true, maxlength: 100, value: item ? item.name : "" });
  const price = h("input", { name: "price", type: "number", step: "0.01", min: "0.01", inputmode: "decimal", value: item ? item.price : "" });
  const category = h("input", { name: "category", required: true, maxlength: 50, value: item ? item.category : "" });
  const description = h("textarea", { name: "description", rows: 2, maxlength: 500 }, item ? item.description || "" : "");
  const submit = submitButton(item ? "Save item" : "Add item");
  const form = h("form", { class: "form", novalidate: true, "data-testid": "item-form" },
    h("div", { class: "grid-fields" }, field("Name", name), field("Price", price), field("Category", category)),
    field("Description", description, { wide: true }),
    h("div", { class: "actions-row" }, onCancel ? button("Cancel", onCancel) : null, submit));
  const errors = formErrors(form, ITEM_LABELS);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), price: price.value === "" ? null : Number(price.value), category: category.value.trim() };
    if (description.value.trim()) body.description = description.value.trim();
    try {
      if (item) await api(`/api/v1/items/${encodeURIComponent(item.item_id)}`, { method: "PUT", body });
      else await api("/api/v1/items", { method: "POST", body });
      errors.clear();
      announce(item ? `Saved ${body.name}` : `Added ${body.name}`);
      if (!item) form.reset();
      onSaved();
    } catch (error) {
      errors.show(error);
    }
  });
  return { form, focus: () => name.focus() };
}

export async function itemsPage(view) {
  const { render, params } = view;
  const category = params.get("category") || "";
  const cursor = params.get("cursor") || "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const refresh = () => itemsPage({ render, params: new URLSearchParams(window.location.hash.split("?")[1] || "") });
  const adding = itemForm(null, refresh);
  const filter = h("input", { name: "category", value: category, placeholder: "all categories", "data-testid": "category-filter" });
  const filterForm = h("form", { class: "toolbar", role: "search" }, field("Category filter", filter),
    h("div", { class: "field" }, h("button", { type: "submit", class: "btn btn-secondary" }, "Filter")));
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("/items", { category: filter.value.trim() });
  });
  const holder = h("div", {}, loading());
  render(pageHeader("Items catalog"), h("section", { class: "card" }, h("h2", {}, "New item"), adding.form), filterForm, holder);
  try {
    const { data, headers } = await api(`/api/v1/items${query({ limit: PAGE_SIZE, category, cursor })}`);
    const next = headers.get("x-next-cursor");
    const table = dataTable({
      caption: "Items", testid: "items-table", rows: data,
      empty: category ? "No item in this category." : "No items yet.",
      columns: [
        { label: "Name", cell: (i) => h("span", { class: "strong" }, i.name) },
        { label: "Price", class: "num", cell: (i) => money.format(i.price) },
        { label: "Category", cell: (i) => i.category },
        { label: "Actions", class: "col-actions", cell: (i) => h("div", { class: "row-actions" },
          button("Edit", () => {
            const editing = itemForm(i, () => { node.close(); refresh(); }, () => node.close());
            const node = dialog(`Edit ${i.name}`, editing.form, { testid: "item-edit" });
            editing.focus();
          }, { "aria-label": `Edit ${i.name}` }),
          dangerButton("Delete", {
            name: i.name,
            question: `Delete ${i.name}?`,
            action: () => api(`/api/v1/items/${encodeURIComponent(i.item_id)}`, { method: "DELETE" }),
            done: `Deleted ${i.name}`,
            after: refresh,
          })) },
      ],
    });
    // Cursor pages: the URL keeps this page's cursor and number; Previous is the browser's Back.
    holder.replaceChildren(table, pager({
      page, hasNext: Boolean(next),
      onPage: (to) => (to < page ? window.history.back() : navigate("/items", { category, cursor: next, page: page + 1 })),
    }));
    keepFocusInList(holder);
  } catch (error) {
    holder.replaceChildren(errorBox(error));
  }
}
