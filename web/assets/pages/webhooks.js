// Signed webhooks: add a receiver (its signing secret is shown once), list, send one a test
// event, give one a new secret (the old one signs too for a day), revoke, and the latest
// delivery attempts of one, a failed one with a Redeliver button. The server checks the URL; its refusals come back as
// field errors through errors.js like every form's.
import { api } from "../api.js";
import {
  badge, button, confirmAction, copyButton, dangerButton, dataTable, dateText, errorBox, field, formErrors, keepFocusInList,
  loading, pageHeader, submitButton,
} from "../components.js";
import { announce, h } from "../dom.js";
import { generalSentence } from "../errors.js";

const EVENTS = [
  ["LinkClicked", "a link was clicked"],
  ["LinkCreated", "a link was created"],
  ["LinkUpdated", "a link was changed"],
  ["LinkDeleted", "a link was deleted"],
  ["ImportFinished", "an import finished"],
];

export async function webhooksPage({ render }) {
  const refresh = () => webhooksPage({ render });
  const url = h("input", { name: "url", type: "url", required: true, maxlength: 2048, placeholder: "https://example.com/hooks/shortstack", "data-testid": "webhook-url" });
  const boxes = EVENTS.map(([name]) => h("input", { type: "checkbox", value: name, checked: name !== "LinkClicked", "data-testid": `webhook-event-${name}` }));
  const eventsError = h("p", { class: "field-error", id: "webhook-events-error" });
  const events = h("fieldset", { class: "field field-wide option-list", name: "events", id: "webhook-events", "aria-describedby": "webhook-events-error" },
    h("legend", {}, "Events"),
    ...EVENTS.map(([name, words], index) => h("label", { class: "check" }, boxes[index], ` ${name}: ${words}`)),
    eventsError);
  const form = h("form", { class: "form", novalidate: true, "data-testid": "webhook-form" },
    field("Receiver URL", url, { wide: true, hint: "https (plain http only in local mode); the receiver must answer 2xx within 5 seconds." }),
    events, submitButton("Add webhook", { "data-testid": "webhook-create" }));
  const errors = formErrors(form, { url: "Receiver URL", events: "Events" });
  const revealed = h("div", { "aria-live": "polite" });
  const holder = h("div", {}, loading());
  const deliveries = h("div", { "aria-live": "polite" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
    try {
      const { data } = await api("/api/v1/webhooks", { method: "POST", body: { url: url.value.trim(), events: chosen } });
      errors.clear();
      form.reset();
      showSecret(revealed, data.secret, "Each delivery carries ", h("code", {}, "webhook-id"), ", ",
        h("code", {}, "webhook-timestamp"), " and ", h("code", {}, "webhook-signature"),
        " (Standard Webhooks): verify them with this secret.");
      await listWebhooks(holder, deliveries, revealed, refresh);
    } catch (error) {
      errors.show(error);
    }
  });
  render(pageHeader("Webhooks"),
    h("p", { class: "lead muted" }, "Webhooks tell your own systems about your links as things happen, signed so they can tell it was us."),
    h("section", { class: "card" }, h("h2", {}, "Add a webhook"), form), revealed, holder, deliveries);
  await listWebhooks(holder, deliveries, revealed, refresh);
}

function showSecret(revealed, secret, ...how) {
  revealed.replaceChildren(h("div", { class: "card secret", role: "alert", "data-testid": "webhook-secret" },
    h("h2", {}, "Your webhook's signing secret"),
    h("p", {}, "Copy it now: it is shown only this once and cannot be read again."),
    h("p", { class: "short-line" }, h("code", { class: "secret-value" }, secret), copyButton(secret, "Copy secret")),
    h("p", { class: "muted" }, ...how)));
}

// On, on with failures in a row (turned off at 20 over a day), or off with the reason.
function statusOf(webhook) {
  if (!webhook.active) {
    return h("div", { "data-testid": "webhook-status" }, badge("off", "warn"),
      h("p", { class: "muted" }, webhook.disabled_reason || "turned off"));
  }
  if (webhook.failures) {
    return h("div", { "data-testid": "webhook-status" }, badge(`on, ${webhook.failures} failed in a row`, "warn"));
  }
  return h("div", { "data-testid": "webhook-status" }, badge("on", "good"));
}

async function turnOn(webhook, refresh) {
  try {
    await api(`/api/v1/webhooks/${encodeURIComponent(webhook.webhook_id)}`, { method: "PATCH", body: { active: true } });
    announce(`The webhook to ${webhook.url} is on again`);
    await refresh();
  } catch (error) {
    announce(generalSentence(error), { tone: "error" });
  }
}

async function rotateSecret(revealed, webhook) {
  const question = `Give the webhook to ${webhook.url} a new signing secret? The current one keeps signing too for 24 hours.`;
  if (!(await confirmAction(question, "New secret"))) return;
  try {
    const { data } = await api(`/api/v1/webhooks/${encodeURIComponent(webhook.webhook_id)}/secret`, { method: "POST" });
    showSecret(revealed, data.secret, "Until ", dateText(data.previous_secret_until, { withTime: true }),
      " each delivery's ", h("code", {}, "webhook-signature"), " carries a signature by the old secret and one by this one:",
      " switch your receiver to this one before then.");
    announce(`New secret for the webhook to ${webhook.url}`);
  } catch (error) {
    announce(generalSentence(error), { tone: "error" });
  }
}

async function sendTest(deliveries, webhook) {
  try {
    const { data } = await api(`/api/v1/webhooks/${encodeURIComponent(webhook.webhook_id)}/test`, { method: "POST" });
    const answer = data.ok ? `it answered ${data.status_code}` : answerOf(data);
    announce(data.ok ? `Test event delivered to ${webhook.url} (${answer})` : `Test event to ${webhook.url} failed: ${answer}`,
      { tone: data.ok ? "info" : "error" });
    await showDeliveries(deliveries, webhook);
  } catch (error) {
    announce(generalSentence(error), { tone: "error" });
  }
}

async function listWebhooks(holder, deliveries, revealed, refresh) {
  try {
    const { data } = await api("/api/v1/webhooks");
    holder.replaceChildren(dataTable({
      caption: "Your webhooks", testid: "webhooks-table", rows: data, empty: "No webhooks yet.",
      columns: [
        { label: "Receiver", cell: (w) => h("code", { class: "strong" }, w.url) },
        { label: "Events", cell: (w) => w.events.join(", ") },
        { label: "Status", cell: (w) => statusOf(w) },
        { label: "Created", cell: (w) => dateText(w.created_at) },
        { label: "Actions", class: "col-actions", cell: (w) => h("div", { class: "row-actions" },
          button("Deliveries", () => showDeliveries(deliveries, w), { "data-testid": "webhook-deliveries" }),
          w.active ? null : button("Turn on", () => turnOn(w, refresh), { "data-testid": "webhook-turn-on", "aria-label": `Turn on the webhook to ${w.url}` }),
          button("Send test", () => sendTest(deliveries, w), { "data-testid": "webhook-test", "aria-label": `Send a test event to ${w.url}` }),
          button("New secret", () => rotateSecret(revealed, w), { "data-testid": "webhook-rotate", "aria-label": `New secret for ${w.url}` }),
          dangerButton("Delete", {
            name: w.url,
            question: `Delete the webhook to ${w.url}? No event is sent there from now on.`,
            action: () => api(`/api/v1/webhooks/${encodeURIComponent(w.webhook_id)}`, { method: "DELETE" }),
            done: `Deleted the webhook to ${w.url}`,
            after: refresh,
          })) },
      ],
    }));
    keepFocusInList(holder);
  } catch (error) {
    holder.replaceChildren(errorBox(error));
  }
}

// Sends a failed attempt's event again now, signed anew; the answer is a new attempt linked
// to that one, shown at the top of the refreshed list.
async function redeliver(holder, webhook, delivery) {
  try {
    const { data } = await api(`/api/v1/webhooks/${encodeURIComponent(webhook.webhook_id)}/deliveries/${encodeURIComponent(delivery.delivery_id)}/redeliver`, { method: "POST" });
    announce(data.ok ? `${data.event_type} sent again to ${webhook.url} (it answered ${data.status_code})`
      : `${data.event_type} sent again to ${webhook.url} failed: ${answerOf(data)}`, { tone: data.ok ? "info" : "error" });
    await showDeliveries(holder, webhook);
  } catch (error) {
    announce(generalSentence(error), { tone: "error" });
  }
}

// A failure's error is a sentence (what happened, what to check) that names the status code.
function answerOf(delivery) {
  return delivery.error || (delivery.status_code === null ? "no answer" : String(delivery.status_code));
}

async function showDeliveries(holder, webhook) {
  holder.replaceChildren(loading());
  try {
    const { data } = await api(`/api/v1/webhooks/${encodeURIComponent(webhook.webhook_id)}/deliveries`);
    holder.replaceChildren(h("section", { class: "card" },
      h("h2", {}, `Latest deliveries to ${webhook.url}`),
      dataTable({
        caption: "Delivery attempts, newest first", testid: "deliveries-table", rows: data, empty: "Nothing sent yet.",
        columns: [
          { label: "When", cell: (d) => dateText(d.attempted_at, { withTime: true }) },
          { label: "Event", cell: (d) => (d.redelivery_of ? `${d.event_type} (sent again)` : d.event_type) },
          { label: "Outcome", cell: (d) => (d.ok ? badge("delivered", "good") : badge("failed", "warn")) },
          { label: "Answer", cell: (d) => (d.ok ? String(d.status_code) : answerOf(d)) },
          { label: "Took", cell: (d) => `${d.duration_ms} ms` },
          { label: "Actions", class: "col-actions", cell: (d) => (d.ok || !d.redeliverable ? "" :
            button("Redeliver", () => redeliver(holder, webhook, d), { "data-testid": "webhook-redeliver", "aria-label": `Send the ${d.event_type} event of ${dateText(d.attempted_at, { withTime: true }).textContent} again` })) },
        ],
      })));
  } catch (error) {
    holder.replaceChildren(errorBox(error));
  }
}
