// Building DOM without innerHTML: every text goes through textContent, so data from
// the API (titles, URLs, names) can never become markup.
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  window.setTimeout(() => { status.textContent = message; }, 10);
}

// A labelled input with room for its own error message (aria-describedby).
export function field(label, input, hint = "") {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  input.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field" },
    h("label", { for: id }, label), input, hint ? h("p", { class: "hint" }, hint) : null, error);
}

export function showFieldErrors(form, error) {
  for (const element of form.querySelectorAll(".field-error")) element.textContent = "";
  for (const input of form.querySelectorAll("input, select, textarea")) input.removeAttribute("aria-invalid");
  let shown = false;
  for (const input of form.querySelectorAll("[name]")) {
    const message = error.fieldMessage ? error.fieldMessage(input.name) : "";
    if (message) {
      document.getElementById(`${input.id}-error`).textContent = message;
      input.setAttribute("aria-invalid", "true");
      shown = true;
    }
  }
  return shown;
}
