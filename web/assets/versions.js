// Writes guarded by the version a person saw (docs/decisions/0004): nothing saved in another
// tab, or by someone else, is ever overwritten without the person choosing to.
// - An edit dialog reads its record when it opens and keeps that answer's ETag; its save
//   sends it as If-Match. A 412 keeps the dialog and what was typed, says which fields
//   changed there, and offers "Load the latest" (the form shows what is saved now) or
//   "Overwrite" (the fields the person changed, saved over that version).
// - A row's action (Delete, Disable) acts on the version the list shows. Lists carry no ETag,
//   so the record is read first: when its updated_at is not the row's, or it changes between
//   that read and the write (412), nothing is done and the list is drawn again.
// - On DynamoDB a list comes from an index that may lag its table by a moment, while a
//   record's read is consistent: right after this page wrote a record, the list drawn again
//   can still hold the row as it was, and its next action would be refused as if someone
//   else had changed it. So the page remembers, for KNOWN_FOR_MS, each version it wrote or
//   read itself (and what it deleted); a list row older than that shows and acts on the
//   version known instead, a deleted one is left out, one made here and not listed yet is
//   added on top of a newest-first list's first page (asKnown). Only this tab's own writes
//   and reads are remembered: a change made elsewhere is still refused by the read above.
import { api, ApiError } from "./api.js";
import { button, dialog } from "./components.js";
import { announce, h } from "./dom.js";
import { generalSentence } from "./errors.js";

// What this tab knows of a record newer than a lagging list may show, by the record's path:
// `{ record }` a version it wrote or read, `{ gone }` deleted (`gone` the deleted row's
// created_at, so a record made again under the same id is shown; null: any), `{ before }`
// changed by a write whose answer held no record (the bulk bar): rows up to that updated_at
// are stale. Long enough for an index to catch up (well under a second, seconds when
// throttled), short enough that nothing else is hidden for long.
const KNOWN_FOR_MS = 30_000;
const known = new Map();

function knownAt(path) {
  const entry = known.get(path);
  return entry && entry.until >= Date.now() ? entry : null;
}

function remember(path, entry) {
  const now = Date.now();
  for (const [other, { until }] of known) if (until < now) known.delete(other);
  known.set(path, { ...entry, until: now + KNOWN_FOR_MS });
}

// A version of the record at `path` this tab saw from a consistent read or its own write.
// updated_at is the server's, in text that sorts by time: an older one never replaces a newer.
function seen(path, record) {
  const entry = knownAt(path);
  if (entry && entry.record && entry.record.updated_at > record.updated_at) return;
  remember(path, { record, made: Boolean(entry && entry.made) });
}

// A record this tab made (a POST's answer at `path`, its own address): the first page of
// a newest-first list that lacks it yet shows it on top (asKnown's `newest`).
export function made(path, record) {
  remember(path, { record, made: true });
}

// The record at `path` deleted by this tab; `createdAt` that of the row it showed.
export function deleted(path, createdAt = null) {
  remember(path, { gone: createdAt });
}

// The record at `path` changed by this tab, the new version unknown: a row showing
// `updatedAt` or older is read again before it is shown.
export function changedUnseen(path, updatedAt) {
  remember(path, { before: updatedAt });
}

// `rows` of a list as this tab knows them: a row older than a version it wrote or read is
// that version (when `keep(record)`, the list's filter, still holds), a row it deleted is
// left out, a row a bulk change left unknown is read (one GET, only while the list lags).
// `newest`, for the first page of a newest-first list, is the path prefix of its records:
// those this tab made, newer than every row listed and kept by the filter, come first.
export async function asKnown(rows, pathOf, { keep = () => true, newest = null } = {}) {
  const shown = await Promise.all(rows.map(async (row) => {
    const path = pathOf(row);
    const entry = knownAt(path);
    if (!entry) return row;
    if ("gone" in entry) return entry.gone === null || entry.gone === row.created_at ? null : row;
    if ("before" in entry) {
      if (row.updated_at > entry.before) return row;
      try {
        const { data } = await readTagged(path);
        return keep(data) ? data : null;
      } catch (error) {
        if (error.status !== 404) return row;
        deleted(path, row.created_at);
        return null;
      }
    }
    if (row.updated_at >= entry.record.updated_at) return row;
    return keep(entry.record) ? entry.record : null;
  }));
  const listed = new Set(rows.map(pathOf));
  const latest = rows.reduce((most, row) => (row.created_at > most ? row.created_at : most), "");
  const unlisted = newest === null ? [] : [...known].filter(([path, entry]) => entry.made
    && path.startsWith(newest) && !listed.has(path) && knownAt(path)
    && entry.record.created_at > latest && keep(entry.record)).map(([, entry]) => entry.record);
  unlisted.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  return [...unlisted, ...shown.filter((row) => row !== null)];
}

// The record at `path` and the ETag of that version.
export async function readTagged(path) {
  const { data, etag } = await api(path);
  seen(path, data);
  return { data, etag };
}

// What a write's answer tells of the record at `path`: its new version, or (204) that it
// is gone. Returns the answer.
function wrote(path, answer, createdAt) {
  if (answer && answer.data && answer.data.updated_at) seen(path, answer.data);
  else if (answer && answer.data === null) deleted(path, createdAt);
  return answer;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

// A field's value in a sentence, when it is short enough to read there ("" when not).
function shortValue(value) {
  if (value === null || value === undefined || value === "") return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return String(value);
  if (typeof value === "string" && ISO_TIME.test(value)) return when.format(new Date(value));
  const text = Array.isArray(value) && value.every((v) => typeof v === "string") ? value.join(", ") : value;
  return typeof text === "string" && text.length <= 80 ? `“${text}”` : "";
}

// The fields whose values differ between two versions of a record, by label, with the
// value they have now when it is short: `Title (now “Spring sale”)`.
export function changedFields(before, after, labels) {
  const same = (name) => JSON.stringify(before[name] ?? null) === JSON.stringify(after[name] ?? null);
  return Object.entries(labels).filter(([name]) => name in after && !same(name)).map(([name, label]) => {
    const now = shortValue(after[name]);
    return now ? `${label} (now ${now})` : label;
  });
}

function gone(what) {
  // Never starting with `what`: a sentence's capital would change a case-sensitive alias.
  return new ApiError(404, `Not saved: ${what} was deleted since you opened it, in another tab or by someone else.`);
}

// What a 412 in a dialog shows above its form: what happened, then the two ways on.
function conflictNotice(what, changed, { onLoad, onOverwrite }) {
  const there = changed.length ? `Changed there: ${changed.join("; ")}.` : "It was saved there with the same values you see.";
  const message = h("p", { class: "conflict-message", tabindex: "-1", "data-testid": "conflict-message" },
    h("strong", {}, `${what} changed since you opened it`), ", in another tab or by someone else. ",
    there, " Your changes below are not saved yet.");
  return h("div", { class: "alert alert-warn conflict", "data-testid": "conflict" }, message,
    h("p", { class: "conflict-ways" }, "Load the latest shows what is saved now, without your changes. ",
      "Overwrite saves the fields you changed over theirs; the others keep what was saved there."),
    h("div", { class: "actions-row" },
      button("Load the latest", onLoad),
      button("Overwrite", onOverwrite, { variant: "danger" })));
}

// An edit dialog on the record at `path` as it is now: read when the dialog opens (one GET,
// for the ETag of the version it shows; a list's rows carry none). `build(version, { node,
// reload })` returns `{ form, focus }` for a version `{ data, etag }`; `reload(latest)`
// draws the form again on a newer version. A record gone meanwhile redraws the list.
let opening = false;

export async function editDialog({ path, title, testid, refresh, build }) {
  if (opening) return; // a second press while the record is read
  opening = true;
  let first;
  try {
    first = await readTagged(path);
  } catch (error) {
    announce(generalSentence(error), { tone: "error" });
    if (error.status === 404) refresh();
    return;
  } finally {
    opening = false;
  }
  const holder = h("div");
  // Said inside the dialog: the page's own message region is behind it, inert.
  const note = h("p", { class: "muted dialog-note", role: "status" });
  const node = dialog(title, h("div", {}, note, holder), { testid });
  const show = (version, loaded = false) => {
    const built = build(version, { node, reload: (latest) => show(latest, true) });
    holder.replaceChildren(built.form);
    built.focus();
    note.textContent = "";
    if (loaded) window.setTimeout(() => { note.textContent = "Loaded the latest version: make your changes again."; }, 10);
  };
  show(first);
}

// The save of an edit dialog, guarded. `write(tag)` sends the change with If-Match: tag;
// `load({data, etag})` refills the dialog from the latest version; `done()` follows a save.
// Returns `save(tag)`, to call with the ETag the dialog opened with.
export function guardedSave({ form, errors, path, what, opened, labels, write, load, done }) {
  let notice = null;
  const save = async (tag) => {
    if (notice) notice.remove();
    notice = null;
    try {
      wrote(path, await write(tag), opened.created_at);
    } catch (error) {
      if (error.status === 404) return errors.show(gone(what));
      if (error.status !== 412) return errors.show(error);
      let latest;
      try {
        latest = await readTagged(path);
      } catch (again) {
        return errors.show(again.status === 404 ? gone(what) : again);
      }
      errors.clear();
      notice = conflictNotice(what, changedFields(opened, latest.data, labels), {
        onLoad: () => load(latest),
        onOverwrite: () => save(latest.etag),
      });
      form.prepend(notice);
      notice.querySelector("[data-testid=conflict-message]").focus();
      return undefined;
    }
    return done();
  };
  return save;
}

// A row's write on the version `shown` (the row's record): `write(tag)` runs only when the
// record is still that version, with If-Match: its ETag. Otherwise it throws a 412 whose
// message says so; the caller draws the list again.
export async function rowWrite(path, shown, what, write) {
  const refused = new ApiError(412, `Not done: ${what} changed since the list was shown, in another tab or by someone else. The list now shows it as it is.`);
  let data, etag;
  try {
    ({ data, etag } = await readTagged(path));
  } catch (error) {
    if (error.status === 404) deleted(path, shown.created_at);
    throw error;
  }
  if (data.updated_at !== shown.updated_at) throw refused;
  try {
    return wrote(path, await write(etag), shown.created_at);
  } catch (error) {
    throw error.status === 412 ? refused : error;
  }
}
