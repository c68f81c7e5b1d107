// Your links: search, filter by tag and state, sort, numbered pages (all kept in the URL),
// and per link: copy, stats, QR, edit in a dialog, enable/disable and delete.
import { api, download, query } from "../api.js";
import {
  badge, button, copyButton, dangerButton, dataTable, dateText, describeWithPage, dialog, errorBox, field,
  formErrors, loading, pageHeader, pager, submitButton, whileBusy,
} from "../components.js";
import { announce, h, say } from "../dom.js";
import { generalSentence } from "../errors.js";
import { expiryFields } from "../expiry.js";
import { linkOptions, optionBadges } from "../linkoptions.js";
import { qrBlock } from "../qr.js";
import { bulkSelection } from "./link_bulk.js";
import { navigate } from "../router.js";
import { asKnown, changedUnseen, deleted, editDialog, guardedSave, rowWrite } from "../versions.js";
import { LINK_LABELS, linkPath, redirectSelect, splitTags } from "./shorten.js";

const PAGE_SIZE = 20;
// The furthest page the API serves (its `page` limit); a page past the links' end shows the last one.
const LAST_PAGE = 10000;
const STATES = [["", "Any state"], ["active", "Active"], ["disabled", "Disabled"], ["expired", "Expired"],
  ["used_up", "Used up"], ["scheduled", "Scheduled"]];
const STATE_TONES = { active: "good", disabled: "neutral", expired: "warn", used_up: "warn", scheduled: "info" };
const STATE_WORDS = Object.fromEntries(STATES);
const SORTS = [["created", "Newest first"], ["clicks", "Most clicks"]];

function filtersOf(params) {
  return {
    q: params.get("q") || "",
    tag: params.get("tag") || "",
    state: params.get("state") || "",
    sort: params.get("sort") || "created",
    page: Math.min(LAST_PAGE, Math.max(1, Math.floor(Number(params.get("page"))) || 1)),
  };
}

function go(filters, replace = false) {
  const params = { ...filters, sort: filters.sort === "created" ? "" : filters.sort, page: filters.page > 1 ? filters.page : "" };
  navigate("/links", params, { replace });
}

// The toolbar control a person was in when a filter applied: the list is drawn again with a
// new toolbar, and they go on typing (or choosing) in the same control.
let toolbarFocus = null;

function toolbar(filters) {
  const search = h("input", { type: "search", name: "q", value: filters.q, placeholder: "Alias, URL or title",
    "data-testid": "links-search", autocomplete: "off" });
  const tag = h("input", { name: "tag", value: filters.tag, placeholder: "any", autocomplete: "off" });
  const state = h("select", { name: "state", "data-testid": "links-state" }, STATES.map(([v, l]) => h("option", { value: v }, l)));
  state.value = filters.state;
  const sort = h("select", { name: "sort", "data-testid": "links-sort" }, SORTS.map(([v, l]) => h("option", { value: v }, l)));
  sort.value = filters.sort;
  let timer = 0;
  const apply = (replace) => {
    toolbarFocus = form.contains(document.activeElement) ? document.activeElement.name : null;
    go({ q: search.value.trim(), tag: tag.value.trim(), state: state.value, sort: sort.value, page: 1 }, replace);
  };
  // Typing waits for a pause (300 ms): one request per pause, not one per keystroke.
  const later = () => { window.clearTimeout(timer); timer = window.setTimeout(() => apply(true), 300); };
  search.addEventListener("input", later);
  tag.addEventListener("input", later);
  state.addEventListener("change", () => apply(false));
  sort.addEventListener("change", () => apply(false));
  const form = h("form", { class: "toolbar", role: "search", onsubmit: (e) => { e.preventDefault(); apply(false); } },
    field("Search", search), field("Tag", tag), field("State", state), field("Sort", sort));
  const focusControl = (name) => {
    const control = form.elements.namedItem(name);
    if (!control) return;
    control.focus();
    if (control.tagName === "INPUT") control.setSelectionRange(control.value.length, control.value.length);
  };
  return { form, focusControl };
}

function linkCell(link) {
  return h("div", { class: "link-cell" },
    h("div", { class: "short-line" },
      h("a", { href: link.short_url, class: "short-url", "data-testid": "link-short" }, link.short_url.replace(/^https?:\/\//, "")),
      copyButton(link.short_url, "Copy")),
    link.title ? h("div", { class: "link-title" }, link.title) : null,
    h("a", { href: link.url, class: "target", title: link.url, rel: "noreferrer noopener", target: "_blank" },
      link.url, h("span", { class: "sr-only" }, " (opens in a new tab)")),
    link.tags.length ? h("div", { class: "tags" }, link.tags.map((t) =>
      h("a", { class: "tag", href: `#/links?tag=${encodeURIComponent(t)}` }, t))) : null);
}

// Bots are redirected but never counted as clicks: shown apart, under the clicks.
function clicksCell(link) {
  const clicks = link.max_visits ? `${link.click_count} / ${link.max_visits}` : String(link.click_count);
  return link.bot_count
    ? h("span", {}, clicks, h("span", { class: "muted bots-count" }, ` +${link.bot_count} bots`))
    : clicks;
}

function dates(link) {
  return h("div", { class: "dates" },
    h("span", {}, h("span", { class: "muted" }, "Created "), dateText(link.created_at)),
    h("span", {}, h("span", { class: "muted" }, "Expires "), dateText(link.expires_at, { none: "never" })));
}

// Where focus goes once the list is drawn again after an action: the control named `label`
// in its row, or the count above the table when that row is gone (deleted, filtered out).
// A keyboard user keeps their place instead of starting again from the top of the page.
let focusAfter = null;

export async function linksPage({ render, params }) {
  const filters = filtersOf(params);
  const wanted = focusAfter;
  focusAfter = null;
  const bar = toolbar(filters);
  // Not a live region: it would read the whole table out; a filter's count is said instead.
  const holder = h("div", { "aria-busy": "true" }, loading());
  const create = h("a", { class: "btn btn-primary", href: "#/" }, "New link");
  const exportCsv = button("Export CSV", async () => {
    // Every link that matches the search and filters, not only this page.
    const path = `/api/v1/links${query({ q: filters.q, tag: filters.tag, state: filters.state || undefined, format: "csv" })}`;
    try {
      announce(`Downloaded ${await download(path, "links.csv")}`);
    } catch (error) {
      announce(generalSentence(error), { tone: "error" });
    }
  }, { "data-testid": "links-export" });
  render(pageHeader("Your links", exportCsv, create), bar.form, holder);
  const typing = toolbarFocus;
  toolbarFocus = null;
  if (typing) bar.focusControl(typing);
  else if (document.activeElement === document.body && filters.q) bar.focusControl("q");
  const refresh = (label = null) => {
    focusAfter = { label };
    return linksPage({ render, params });
  };
  try {
    const path = `/api/v1/links${query({ q: filters.q, tag: filters.tag, state: filters.state || undefined,
      sort: filters.sort, page: filters.page, limit: PAGE_SIZE })}`;
    const { data: listed, headers } = await api(path);
    // The index a list comes from on DynamoDB may not show this tab's last writes yet.
    const newest = filters.sort === "created" && filters.page === 1 && !filters.q;
    const data = await asKnown(listed, (l) => linkPath(l.short_id),
      { keep: (l) => stillMatches(l, filters), newest: newest ? linkPath("") : null });
    if (!holder.isConnected) return; // another route or filter drew the page since
    const total = Number(headers.get("x-total-count") || listed.length) + data.length - listed.length;
    const exact = headers.get("x-total-exact") !== "false";
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (filters.page > pages) {
      // The last link of the last page was deleted, or the URL names a page past the end.
      focusAfter = wanted;
      toolbarFocus = typing;
      go({ ...filters, page: pages }, true);
      return;
    }
    const filtered = filters.q || filters.tag || filters.state;
    const summary = h("p", { class: "muted total", "data-testid": "links-total", tabindex: "-1" },
      `${total.toLocaleString()}${exact ? "" : "+"} ${total === 1 ? "link" : "links"}${filtered ? " match" : ""}`);
    const bulk = bulkSelection(data, (answer) => {
      bulkWritten(answer, data);
      refresh();
    }, {
      total,
      search: JSON.stringify([filters.q, filters.tag, filters.state]),
      pathOf: (page, limit) => `/api/v1/links${query({ q: filters.q, tag: filters.tag,
        state: filters.state || undefined, sort: filters.sort, page, limit })}`,
    });
    const table = dataTable({
      caption: "Your short links",
      testid: "links-table",
      empty: filtered ? "No link matches. Try other words or clear the filters." : "No links yet: shorten your first one.",
      rows: data,
      columns: [
        bulk.column,
        { label: "Link", class: "col-link", cell: linkCell },
        { label: "State", cell: (l) => h("div", { class: "badges", "data-testid": "link-badges" },
          badge(STATE_WORDS[l.state] || l.state, STATE_TONES[l.state]), ...optionBadges(l, badge)) },
        { label: "Clicks", class: "num", cell: clicksCell },
        { label: "Dates", cell: dates },
        { label: "Actions", class: "col-actions", cell: (l) => actions(l, refresh) },
      ],
    });
    holder.replaceChildren(summary, bulk.node, table,
      pager({ page: filters.page, pages, onPage: (page) => {
        focusAfter = { label: null }; // the new page starts at its count
        go({ ...filters, page });
      } }));
    bulk.drawn();
    describeWithPage(summary, holder);
    if (typing) say(summary.textContent);
    if (wanted) {
      const named = wanted.label && holder.querySelector(`[aria-label="${CSS.escape(wanted.label)}"]`);
      // After a bulk action, its outcome (what was done, and why some failed).
      (named || bulk.focusTarget() || summary).focus();
    }
  } catch (error) {
    if (error.status === 422) {
      // A search or tag no link can match (a tag with a space, say): why, under its field.
      holder.replaceChildren();
      formErrors(bar.form, { q: "Search", tag: "Tag" }).show(error);
      if (typing) bar.focusControl(typing);
    } else {
      holder.replaceChildren(errorBox(error));
    }
  }
  holder.removeAttribute("aria-busy");
}

// A version this tab knows of a link, against the filters the server applied: a link
// disabled here leaves a list of active ones. The search words are the server's to match
// (a link made here is not added to a search's list).
function stillMatches(link, filters) {
  return (!filters.state || link.state === filters.state)
    && (!filters.tag || link.tags.includes(filters.tag.toLowerCase()));
}

// A bulk answer names each link's outcome, not its new version: a deleted one is left out
// of the list drawn next, a changed one shown (`rows`) is read again if the list still has
// it as it was.
function bulkWritten(answer, rows) {
  const shown = new Map(rows.map((l) => [l.short_id, l]));
  for (const { id, status } of answer.results) {
    const row = shown.get(id);
    if (status === 204) deleted(linkPath(id), row ? row.created_at : null);
    else if (status < 300 && row) changedUnseen(linkPath(id), row.updated_at);
  }
}

function actions(link, refresh) {
  const id = encodeURIComponent(link.short_id);
  const path = linkPath(link.short_id);
  const toggle = `${link.is_active ? "Disable" : "Enable"} ${link.short_id}`;
  // On the version this row shows (versions.js); one that changed meanwhile is drawn again.
  const guarded = async (label, write) => {
    try {
      return await rowWrite(path, link, link.short_id, write);
    } catch (error) {
      if (error.status === 412 || error.status === 404) refresh(label);
      throw error;
    }
  };
  return h("div", { class: "row-actions" },
    h("a", { class: "btn btn-secondary", href: `#/links/${id}/stats` }, "Stats"),
    button("Edit", () => editLink(link, refresh), { "aria-label": `Edit ${link.short_id}` }),
    button("QR", () => dialog(`QR code for ${link.short_id}`, qrBlock(link.short_url), { testid: "qr-dialog" }),
      { "aria-label": `QR code for ${link.short_id}` }),
    button(link.is_active ? "Disable" : "Enable", async () => {
      try {
        await guarded(toggle, (tag) => api(path, { method: "PATCH", body: { is_active: !link.is_active }, ifMatch: tag }));
        announce(`${link.short_id} ${link.is_active ? "disabled" : "enabled"}`);
        refresh(`${link.is_active ? "Enable" : "Disable"} ${link.short_id}`);
      } catch (error) {
        announce(generalSentence(error), { tone: "error" });
      }
    }, { "aria-label": toggle }),
    dangerButton("Delete", {
      name: link.short_id,
      question: `Delete ${link.short_id}? Its statistics go too.`,
      action: () => guarded(`Delete ${link.short_id}`, (tag) => api(path, { method: "DELETE", ifMatch: tag })),
      done: `Deleted ${link.short_id}`,
      after: () => refresh(),
    }));
}

// The fields a person sees change in the edit dialog, named as its labels name them.
const EDITED_LABELS = { ...LINK_LABELS, password_protected: LINK_LABELS.password };

// Every field of a link in one dialog; only what changed is sent, guarded by the version the
// dialog shows (versions.js): the link is read when the dialog opens, for its ETag.
function editLink(link, refresh) {
  const path = linkPath(link.short_id);
  return editDialog({
    path, title: `Edit ${link.short_id}`, testid: "link-edit", refresh,
    build: ({ data, etag }, { node, reload }) => linkEditor(data, etag, { path, node, refresh, reload }),
  });
}

function linkEditor(link, etag, { path, node, refresh, reload }) {
  const url = h("input", { name: "url", type: "url", value: link.url, required: true });
  const title = h("input", { name: "title", value: link.title || "", maxlength: 200 });
  const tags = h("input", { name: "tags", value: link.tags.join(", ") });
  const maxVisits = h("input", { name: "max_visits", type: "number", min: 1, value: link.max_visits ?? "", placeholder: "no limit" });
  const status = redirectSelect(link.redirect_status);
  const active = h("input", { name: "is_active", type: "checkbox", checked: link.is_active });
  const expiry = expiryFields({ current: link.expires_at, editing: true });
  const options = linkOptions(link);
  const routed = link.valid_since || link.fallback_url || link.password_protected || link.forward_query
    || link.rules.length || link.variants.length || link.preview;
  const save = submitButton("Save changes", { "data-testid": "link-save" });
  const cancel = button("Cancel", () => node.close());
  const form = h("form", { class: "form", novalidate: true },
    h("p", { class: "muted" }, link.short_url),
    field("Long URL", url, { wide: true }),
    h("div", { class: "grid-fields" },
      field("Title", title), field("Tags", tags, { hint: "Separated by commas" }),
      ...expiry.nodes, field("Visit limit", maxVisits, { hint: "Empty: no limit" }), field("Redirect", status)),
    h("label", { class: "check" }, active, " Active (redirects visitors)"),
    h("details", { class: "more", open: Boolean(routed), "data-testid": "link-options" },
      h("summary", {}, "Rules, A/B split, password, start date, fallback, preview"), ...options.nodes),
    h("div", { class: "actions-row" }, cancel, save));
  const errors = formErrors(form, LINK_LABELS);
  // What the form changes, against the version it opened with.
  const changes = () => {
    const changed = {};
    if (url.value.trim() !== link.url) changed.url = url.value.trim();
    if ((title.value.trim() || null) !== (link.title || null)) changed.title = title.value.trim() || null;
    const newTags = splitTags(tags.value);
    if (newTags.join(",") !== link.tags.join(",")) changed.tags = newTags;
    const limit = maxVisits.value === "" ? null : Number(maxVisits.value);
    if (limit !== (link.max_visits ?? null)) changed.max_visits = limit;
    if (Number(status.value) !== link.redirect_status) changed.redirect_status = Number(status.value);
    if (active.checked !== link.is_active) changed.is_active = active.checked;
    return Object.assign(changed, expiry.value(), options.value());
  };
  const guarded = guardedSave({
    form, errors, path, what: link.short_id, opened: link, labels: EDITED_LABELS,
    write: (tag) => api(path, { method: "PATCH", body: changes(), ifMatch: tag }),
    load: reload,
    done: () => {
      node.close();
      announce(`Saved ${link.short_id}`);
      refresh(`Edit ${link.short_id}`);
    },
  });
  const send = (tag) => whileBusy(save, () => guarded(tag));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!Object.keys(changes()).length) return node.close();
    return send(etag);
  });
  return { form, focus: () => url.focus() };
}
