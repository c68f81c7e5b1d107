// A small fetch wrapper: base URL from config.js, the bearer token when signed in,
// JSON errors turned into ApiError with the API's message and per-field details.
// `ifMatch` guards a write with the ETag of the version the page showed (decision 0004);
// every answer hands back its `etag` (null when it has none).
import config from "./config.js";
import { accessToken } from "./auth.js";

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = Array.isArray(detail) ? detail : [];
  }
}

export async function api(path, { method = "GET", body, headers = {}, form, ifMatch } = {}) {
  const init = { method, headers: { accept: "application/json", ...headers } };
  if (ifMatch) init.headers["if-match"] = ifMatch;
  const token = accessToken();
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (form !== undefined) {
    init.body = form; // multipart: the browser sets the content type and its boundary
  } else if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${config.apiBaseUrl}${path}`, init);
  } catch (error) {
    throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  const etag = response.headers.get("etag");
  if (response.status === 204) return { data: null, headers: response.headers, etag };
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || `The request failed (${response.status}).`;
    throw new ApiError(response.status, message, data && data.detail);
  }
  return { data, headers: response.headers, etag };
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((v) => search.append(name, v));
    else if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// A CSV export as a file download. Fetched (not a plain link) so that the bearer token
// goes along in jwt mode; the file name is the one the server's Content-Disposition gives.
export async function download(path, fallbackName) {
  const headers = { accept: "text/csv" };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`${config.apiBaseUrl}${path}`, { headers });
  } catch (error) {
    throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    throw new ApiError(response.status, (data && data.message) || `The export failed (${response.status}).`);
  }
  const disposition = response.headers.get("content-disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  return name;
}
