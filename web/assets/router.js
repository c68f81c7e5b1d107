// Hash routes (#/links?q=sale&page=2): any single-segment path on this origin is a short
// link the server redirects, so the page's own places live after the #.
export function currentRoute() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", params: new URLSearchParams(search) };
}

export function href(path, params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((v) => search.append(name, v));
    else if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

// Go to a place; `replace` keeps the browser history short for filter changes as you type.
export function navigate(path, params = {}, { replace = false } = {}) {
  const target = href(path, params);
  if (target === window.location.hash) return window.dispatchEvent(new HashChangeEvent("hashchange"));
  if (replace) {
    window.history.replaceState(null, "", target);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    window.location.hash = target;
  }
  return undefined;
}
