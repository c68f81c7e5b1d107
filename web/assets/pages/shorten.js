// The front page: shorten a URL, with every option a link has one click away.
import { api } from "../api.js";
import { copyButton, field, formErrors, submitButton, whileBusy } from "../components.js";
import { announce, h } from "../dom.js";
import { expiryFields } from "../expiry.js";
import { OPTION_LABELS, linkOptions } from "../linkoptions.js";
import { qrBlock } from "../qr.js";
import { made } from "../versions.js";

export const LINK_LABELS = {
  url: "Long URL", alias: "Alias", title: "Title", tags: "Tags", max_visits: "Visit limit",
  redirect_status: "Redirect", expires_at: "Expires on", ttl_days: "Expires", is_active: "Active",
  ...OPTION_LABELS,
};

// A link's own address in the API, where the versions this tab knows of it are kept.
export function linkPath(shortId) {
  return `/api/v1/links/${encodeURIComponent(shortId)}`;
}

export function splitTags(text) {
  return text.split(",").map((t) => t.trim()).filter(Boolean);
}

export function redirectSelect(value = 302) {
  const select = h("select", { name: "redirect_status" },
    h("option", { value: "302" }, "302 Found (temporary, default)"),
    h("option", { value: "301" }, "301 Moved permanently"),
    h("option", { value: "307" }, "307 Temporary redirect"),
    h("option", { value: "308" }, "308 Permanent redirect"));
  select.value = String(value);
  return select;
}

export function shortenPage({ render }) {
  const url = h("input", { name: "url", type: "url", required: true, "data-testid": "shorten-url",
    placeholder: "https://example.com/a/long/page", autocomplete: "off", inputmode: "url" });
  const alias = h("input", { name: "alias", placeholder: "optional", autocomplete: "off" });
  const title = h("input", { name: "title", maxlength: 200, placeholder: "optional" });
  const tags = h("input", { name: "tags", placeholder: "e.g. launch, newsletter", autocomplete: "off" });
  const maxVisits = h("input", { name: "max_visits", type: "number", min: 1, inputmode: "numeric", placeholder: "no limit" });
  const status = redirectSelect();
  const expiry = expiryFields();
  const options = linkOptions();
  // Not a live region: the page-wide message says the new link; the card would be read whole.
  const result = h("div", { class: "result" });
  const submit = submitButton("Shorten", { "data-testid": "shorten-submit" });
  const form = h("form", { class: "card form", novalidate: true },
    h("div", { class: "url-row" }, field("Long URL", url, { wide: true }), submit),
    h("details", { class: "more" }, h("summary", {}, "More options: alias, title, tags, expiry, visit limit"),
      h("div", { class: "grid-fields" },
        field("Alias", alias, { hint: "3-64 letters, digits, - or _" }),
        field("Title", title),
        field("Tags", tags, { hint: "Separated by commas" }),
        ...expiry.nodes,
        field("Visit limit", maxVisits, { hint: "Empty: no limit" }),
        field("Redirect", status))),
    h("details", { class: "more", "data-testid": "link-options" },
      h("summary", {}, "Rules, A/B split, password, start date, fallback, preview"),
      ...options.nodes));
  const errors = formErrors(form, LINK_LABELS);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    whileBusy(submit, send);
  });
  const send = async () => {
    errors.clear();
    const body = { url: url.value.trim(), redirect_status: Number(status.value), ...expiry.value() };
    if (alias.value.trim()) body.alias = alias.value.trim();
    if (title.value.trim()) body.title = title.value.trim();
    if (tags.value.trim()) body.tags = splitTags(tags.value);
    if (maxVisits.value) body.max_visits = Number(maxVisits.value);
    Object.assign(body, options.value());
    try {
      const { data } = await api("/api/v1/links", { method: "POST", body });
      made(linkPath(data.short_id), data);
      const short = h("a", { href: data.short_url, "data-testid": "short-url", class: "short-url" }, data.short_url);
      result.replaceChildren(h("div", { class: "card result-card" },
        h("h2", {}, "Your short link"),
        h("p", { class: "short-line" }, short, copyButton(data.short_url, "Copy", { "data-testid": "copy-short-url" })),
        h("p", { class: "muted" }, data.expires_at ? `Expires ${new Date(data.expires_at).toLocaleString()}` : "Never expires",
          " · ", h("a", { href: `#/links/${encodeURIComponent(data.short_id)}/stats` }, "Stats"), " · ",
          h("a", { href: "#/links" }, "All links")),
        qrBlock(data.short_url)));
      announce(`Short link created: ${data.short_url}`);
      form.reset();
      options.clear();
      url.focus();
    } catch (error) {
      errors.show(error);
    }
  };
  render(h("div", { class: "hero" }, h("h1", {}, "Shorten a link"),
    h("p", { class: "lead muted" }, "Paste a long URL. You get a short link, a QR code and click statistics.")),
  form, result);
  url.focus();
}
