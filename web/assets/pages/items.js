// The Items catalog: create, edit in a dialog, delete, filter by category, pages.
import { api, query } from "../api.js";
import {
  button, dangerButton, dataTable, errorBox, field, formErrors, keepFocusInList, listRedrawn, loading, pageHeader,
  pager, submitButton,
} from "../components.js";
import { announce, h } from "../dom.js";
import { navigate } from "../router.js";
import { asKnown, editDialog, guardedSave, made, rowWrite } from "../versions.js";

const PAGE_SIZE = 10;
const ITEM_LABELS = { name: "Name", price: "Price", category: "Category", description: "Description" };
const itemPath = (id) => `/api/v1/items/${encodeURIComponent(id)}`;
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// The form of a new item, or of `item` in its edit dialog: there only the fields changed
// are sent (PUT is partial), guarded by the version the dialog shows (versions.js).
function itemForm(item, onSaved, { etag, onCancel, reload } = {}) {
  const name = h("input", { name: "name", required: true, maxlength: 100, value: item ? item.name : "" });
  const price = h("input", { name: "price", type: "number", step: "0.01", min: "0.01", inputmode: "decimal", required: true, value: item ? item.price : "" });
  const category = h("input", { name: "category", required: true, maxlength: 50, value: item ? item.category : "" });
  const description = h("textarea", { name: "description", rows: 2, maxlength: 500 }, item ? item.description || "" : "");
  const submit = submitButton(item ? "Save item" : "Add item");
  const form = h("form", { class: "form", novalidate: true, "data-testid": "item-form" },
    h("div", { class: "grid-fields" }, field("Name", name), field("Price", price), field("Category", category)),
    field("Description", description, { wide: true }),
    h("div", { class: "actions-row" }, onCancel ? button("Cancel", onCancel) : null, submit));
  const errors = formErrors(form, ITEM_LABELS);
  const values = () => ({
    name: name.value.trim(),
    price: price.value === "" ? null : Number(price.value),
    category: category.value.trim(),
    description: description.value.trim() || null,
  });
  if (!item) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = values();
      if (!body.description) delete body.description;
      try {
        const { data } = await api("/api/v1/items", { method: "POST", body });
        made(itemPath(data.item_id), data);
        errors.clear();
        announce(`Added ${body.name}`);
        form.reset();
        onSaved();
      } catch (error) {
        errors.show(error);
      }
    });
    return { form, focus: () => name.focus() };
  }
  const path = itemPath(item.item_id);
  // What the form changes, against the version it opened with.
  const changes = () => Object.fromEntries(Object.entries(values())
    .filter(([key, value]) => value !== (item[key] ?? null)));
  const save = guardedSave({
    form, errors, path, what: item.name, opened: item, labels: ITEM_LABELS,
    write: (tag) => api(path, { method: "PUT", body: changes(), ifMatch: tag }),
    load: reload,
    done: () => {
      announce(`Saved ${values().name}`);
      onSaved(values().name);
    },
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!Object.keys(changes()).length) return onCancel();
    return save(etag);
  });
  return { form, focus: () => name.focus() };
}

// The edit dialog of `shown` (a row), opened on the item as it is now.
function editItem(shown, refresh) {
  return editDialog({
    path: itemPath(shown.item_id), title: `Edit ${shown.name}`, testid: "item-edit", refresh,
    build: ({ data, etag }, { node, reload }) => itemForm(data, (name) => { node.close(); refresh({ label: `Edit ${name}` }); },
      { etag, onCancel: () => node.close(), reload }),
  });
}

// Where focus goes once the page is drawn again: `{ label }`, a row's button (its Edit
// after a save, as on the links page); `{ control }`, "name" of the form after an item is
// added (to add the next) or "category" after the filter applied; otherwise the list keeps
// it (keepFocusInList). A keyboard user goes on where they were, not from the top.
let focusAfter = null;

export async function itemsPage(view) {
  const { render, params } = view;
  const category = params.get("category") || "";
  const cursor = params.get("cursor") || "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const wanted = focusAfter;
  focusAfter = null;
  const refresh = (want = null) => {
    focusAfter = want;
    return itemsPage({ render, params: new URLSearchParams(window.location.hash.split("?")[1] || "") });
  };
  const adding = itemForm(null, () => refresh({ control: "name" }));
  const filter = h("input", { name: "category", value: category, placeholder: "all categories", "data-testid": "category-filter" });
  const filterForm = h("form", { class: "toolbar", role: "search" }, field("Category filter", filter),
    h("div", { class: "field" }, h("button", { type: "submit", class: "btn btn-secondary" }, "Filter")));
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    focusAfter = { control: "category" };
    navigate("/items", { category: filter.value.trim() });
  });
  const holder = h("div", {}, loading());
  render(pageHeader("Items catalog"), h("section", { class: "card" }, h("h2", {}, "New item"), adding.form), filterForm, holder);
  if (wanted && wanted.control === "name") adding.focus();
  if (wanted && wanted.control === "category") filter.focus();
  try {
    const { data: listed, headers } = await api(`/api/v1/items${query({ limit: PAGE_SIZE, category, cursor })}`);
    // On DynamoDB the list comes from an index that may not show this tab's last writes yet.
    const data = await asKnown(listed, (i) => itemPath(i.item_id),
      { keep: (i) => !category || i.category === category, newest: cursor ? null : itemPath("") });
    const next = headers.get("x-next-cursor");
    const table = dataTable({
      caption: "Items", testid: "items-table", rows: data,
      empty: category ? "No item in this category." : "No items yet.",
      columns: [
        { label: "Name", cell: (i) => h("span", { class: "strong" }, i.name) },
        { label: "Price", class: "num", cell: (i) => money.format(i.price) },
        { label: "Category", cell: (i) => i.category },
        { label: "Actions", class: "col-actions", cell: (i) => h("div", { class: "row-actions" },
          button("Edit", () => editItem(i, refresh), { "aria-label": `Edit ${i.name}` }),
          dangerButton("Delete", {
            name: i.name,
            question: `Delete ${i.name}?`,
            // On the version this row shows (versions.js); one that changed is drawn again.
            action: () => rowWrite(itemPath(i.item_id), i, i.name,
              (tag) => api(itemPath(i.item_id), { method: "DELETE", ifMatch: tag }))
              .catch((error) => {
                if (error.status === 412 || error.status === 404) { listRedrawn(); refresh(); }
                throw error;
              }),
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
    const named = wanted && wanted.label && holder.querySelector(`[aria-label="${CSS.escape(wanted.label)}"]`);
    if (named) named.focus();
    else keepFocusInList(holder);
  } catch (error) {
    holder.replaceChildren(errorBox(error));
  }
}
