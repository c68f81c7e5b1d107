// A small fetch wrapper: base URL from config.js, the bearer token when signed in,
// JSON errors turned into ApiError with the API's message and per-field details.
import config from "./config.js";
import { accessToken } from "./auth.js";

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail || [];
  }

  // The message for one body field (from a 422's detail), if any.
  fieldMessage(field) {
    const hit = this.detail.find((d) => Array.isArray(d.loc) && d.loc[d.loc.length - 1] === field);
    return hit ? hit.msg : "";
  }
}

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: { accept: "application/json", ...headers } };
  const token = accessToken();
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${config.apiBaseUrl}${path}`, init);
  } catch (error) {
    throw new ApiError(0, "The server cannot be reached. Check your connection and retry.");
  }
  if (response.status === 204) return { data: null, headers: response.headers };
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || `Request failed (${response.status})`;
    throw new ApiError(response.status, message, data && data.detail);
  }
  return { data, headers: response.headers };
}
