// Import links from a CSV: pick a file, watch the progress, read each refused row.
import { api, query } from "../api.js";
import { button, dataTable, errorBox, field, formErrors, pageHeader, submitButton, whileBusy } from "../components.js";
import { announce, h } from "../dom.js";

const FINAL = new Set(["succeeded", "partially_succeeded", "failed"]);
const FORMAT_WORDS = { shortstack: "shortstack CSV", yourls: "YOURLS export", bitly: "Bitly export",
  shlink: "Shlink export", kutt: "Kutt export" };
const STATUS_WORDS = {
  pending: "Waiting to start", running: "Importing", succeeded: "Done",
  partially_succeeded: "Done, with refused rows", failed: "Failed",
};

function progressView(job) {
  const { valid, loaded, failed, invalid, total } = job.counts;
  const done = loaded + failed;
  const bar = h("progress", { max: Math.max(valid, 1), value: FINAL.has(job.status) ? Math.max(valid, 1) : done,
    "aria-label": "Import progress", "data-testid": "import-progress" });
  return h("div", { class: "card" },
    h("h2", {}, STATUS_WORDS[job.status] || job.status),
    bar,
    job.format ? h("p", { class: "muted", "data-testid": "import-format" },
      `Read as ${FORMAT_WORDS[job.format] || job.format}.`) : null,
    h("p", { "data-testid": "import-counts" },
      `${loaded.toLocaleString()} of ${valid.toLocaleString()} valid rows loaded; ${(invalid + failed).toLocaleString()} refused; ${total.toLocaleString()} rows read.`),
    job.error ? h("p", { class: "alert alert-error", role: "alert" }, job.error) : null);
}

function rowErrors(job, more) {
  if (!job.errors.length) return null;
  return h("section", { class: "card" }, h("h2", {}, "Refused rows"),
    dataTable({
      caption: "Rows the import refused",
      testid: "import-errors",
      rows: job.errors,
      empty: "",
      columns: [
        { label: "Row", class: "num", cell: (e) => String(e.row) },
        { label: "Why", cell: (e) => e.reason },
      ],
    }), more);
}

export function importPage({ render }) {
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv", required: true, "data-testid": "import-file" });
  const submit = submitButton("Import", { "data-testid": "import-submit" });
  // Not a live region: the progress card is drawn again at every poll, which a screen reader
  // would read out each time. The end is announced once; refusals are alerts of their own.
  const status = h("div", {});
  const form = h("form", { class: "card form" },
    h("p", {}, "A CSV with one link a row: ", h("code", {}, "url[,alias][,ttl_days]"),
      ", an optional header row, up to 100,000 rows. The CSV exports of YOURLS, Bitly, Shlink and Kutt ",
      "work as they are: their short codes, titles, tags and visit counts come along."),
    field("CSV file", file), h("div", { class: "actions-row" }, submit));
  // A file the API refuses (not UTF-8, binary, empty) gets its reason, which says what to
  // do, under the file field.
  const errors = formErrors(form, { file: "CSV file" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    if (!file.files.length) {
      status.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, "Choose a CSV file first."));
      return;
    }
    await whileBusy(submit, async () => {
      const upload = new FormData();
      upload.append("file", file.files[0]);
      let started;
      try {
        ({ data: started } = await api("/api/v1/imports", { method: "POST", form: upload }));
      } catch (error) {
        status.replaceChildren();
        errors.show(error);
        return;
      }
      try {
        await follow(started.import_id, status);
      } catch (error) {
        status.replaceChildren(errorBox(error));
      }
    });
  });
  render(pageHeader("Import links"), form, status);
}

async function follow(importId, status) {
  let job;
  for (;;) {
    ({ data: job } = await api(`/api/v1/imports/${encodeURIComponent(importId)}`));
    status.replaceChildren(progressView(job));
    if (FINAL.has(job.status)) break;
    await new Promise((resolve) => window.setTimeout(resolve, 400));
  }
  announce(`Import ${STATUS_WORDS[job.status].toLowerCase()}: ${job.counts.loaded} links loaded`);
  const errors = [...job.errors];
  let cursor = job.errors_next_cursor;
  const more = cursor ? button("Show more refused rows", async () => {
    const { data } = await api(`/api/v1/imports/${encodeURIComponent(importId)}${query({ cursor })}`);
    errors.push(...data.errors);
    cursor = data.errors_next_cursor;
    status.replaceChildren(progressView(job), rowErrors({ ...job, errors }, cursor ? more : null));
  }) : null;
  status.replaceChildren(progressView(job), rowErrors(job, more),
    h("p", {}, h("a", { href: "#/links" }, "See your links")));
}
