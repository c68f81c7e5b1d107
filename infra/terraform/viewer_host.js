function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) {
    request.headers["x-forwarded-host"] = { value: host.value };
  } else {
    delete request.headers["x-forwarded-host"];
  }
  return request;
}
