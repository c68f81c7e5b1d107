// The one mapping from the API's errors to sentences people read. The API keeps its
// structured `detail` (loc, type, limits in ctx); the UI words each problem itself, next
// to its field, and never shows a validator's own text (patterns, "function-after[...]").

// What a person is told for one field, by the validator's error type.
const BY_TYPE = {
  missing: (label) => `${label} is required.`,
  string_too_short: (label, ctx) =>
    ctx.min_length > 1 ? `${label} needs at least ${ctx.min_length} characters.` : `${label} is required.`,
  string_too_long: (label, ctx) =>
    ctx.max_length ? `${label} can be at most ${ctx.max_length} characters.` : `${label} is too long.`,
  string_pattern_mismatch: (label) => `${label} contains characters that are not allowed.`,
  string_type: (label) => `${label} must be text.`,
  greater_than_equal: (label, ctx) => `${label} must be ${ctx.ge} or more.`,
  greater_than: (label, ctx) => `${label} must be more than ${ctx.gt}.`,
  less_than_equal: (label, ctx) => `${label} must be ${ctx.le} or less.`,
  less_than: (label, ctx) => `${label} must be less than ${ctx.lt}.`,
  int_parsing: (label) => `${label} must be a whole number.`,
  int_type: (label) => `${label} must be a whole number.`,
  int_from_float: (label) => `${label} must be a whole number.`,
  float_parsing: (label) => `${label} must be a number.`,
  float_type: (label) => `${label} must be a number.`,
  finite_number: (label) => `${label} must be a number.`,
  bool_type: (label) => `${label} must be yes or no.`,
  bool_parsing: (label) => `${label} must be yes or no.`,
  datetime_parsing: (label) => `${label} must be a date and time.`,
  datetime_type: (label) => `${label} must be a date and time.`,
  timezone_aware: (label) => `${label} needs a time zone.`,
  too_long: (label, ctx) => `${label}: at most ${ctx.max_length} entries.`,
  list_type: (label) => `${label} must be a list.`,
  literal_error: (label) => `${label} is not one of the choices.`,
  enum: (label) => `${label} is not one of the choices.`,
  extra_forbidden: (label) => `${label} is not a field of this form.`,
};

// Where a field's rule deserves its own sentence.
const BY_FIELD = {
  url: { string_pattern_mismatch: "Enter a web address that starts with http:// or https://." },
  alias: { string_pattern_mismatch: "Use 3 to 64 letters, digits, hyphens or underscores, without spaces." },
  tags: {
    string_pattern_mismatch: "Tags use a-z, 0-9, dots, hyphens or underscores, up to 32 characters each.",
    string_too_long: "Each tag can be at most 32 characters.",
  },
  max_visits: { greater_than_equal: "Allow at least 1 visit, or leave it empty for no limit." },
  price: {
    greater_than_equal: "Enter a price above 0.",
    greater_than: "Enter a price above 0.",
    // The form sends null for an empty price (an edit must not keep the old one unsaid).
    float_type: "Price is required.",
  },
  email: { value_error: "Enter a valid e-mail address, like ada@example.com." },
  userId: { string_pattern_mismatch: "Use letters, digits and . _ @ + - only, not starting with a dot." },
  title: { value_error: "Keep the title on one line." },
  name: { value_error: "Keep the name on one line." },
};

const LOCATION_WORDS = new Set(["body", "query", "path", "header"]);

function sentence(text) {
  const trimmed = String(text).trim().replace(/^Value error, /, "");
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

// Our own domain's messages name fields by their API names ("expires_at must be ...").
function withLabel(message, field, label) {
  return message.startsWith(field) ? `${label}${message.slice(field.length)}` : message;
}

function fieldOf(item, labels) {
  const parts = (item.loc || []).map(String).filter((part) => !LOCATION_WORDS.has(part));
  return parts.find((part) => part in labels) || parts[0] || "";
}

export function fieldSentence(item, field, label) {
  const type = String(item.type || "");
  const special = BY_FIELD[field] && BY_FIELD[field][type];
  if (special) return special;
  if (type === "value_error" || type === "assertion_error") {
    // Our domain's words: already written for people.
    return sentence(withLabel(String(item.msg || ""), field, label));
  }
  const generic = BY_TYPE[type];
  return generic ? sentence(generic(label, item.ctx || {})) : `Check ${label.toLowerCase()}.`;
}

// The error as people should read it: one sentence per known field, and a general one.
// `labels` maps the API's field names to the labels the form shows.
export function describe(error, labels = {}) {
  const byField = new Map();
  const loose = [];
  if (error && error.status === 422 && error.detail.length) {
    for (const item of error.detail) {
      const field = fieldOf(item, labels);
      const label = labels[field] || (field ? field.replace(/_/g, " ") : "This value");
      const text = fieldSentence(item, field, label.charAt(0).toUpperCase() + label.slice(1));
      if (field in labels) {
        if (!byField.has(field)) byField.set(field, text);
      } else if (!loose.includes(text)) {
        loose.push(text);
      }
    }
    const general = loose.length ? loose.join(" ") : byField.size ? "" : "Check the form and try again.";
    return { byField, general };
  }
  return { byField, general: generalSentence(error) };
}

export function generalSentence(error) {
  const status = error && error.status;
  if (status === 0) return "The server cannot be reached. Check your connection and try again.";
  if (status === 401) return "Sign in first: this server needs a token (see Sign in).";
  if (status === 413) return "That is too large for the server.";
  if (status === 429) return "Too many requests in a minute. Wait a moment and try again.";
  if (status >= 500) return "Something went wrong on the server. Try again in a moment.";
  if (status === 422) return "Check the form and try again.";
  return sentence(error && error.message ? error.message : "Something went wrong.");
}
