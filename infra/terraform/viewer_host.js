function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) {
    request.headers["x-forwarded-host"] = { value: host.value };
  } else {
    delete request.headers["x-forwarded-host"];
  }
  // The viewer's IP as CloudFront saw the connection, replacing any a viewer sent: the API
  // believes it only beside the origin's secret (decision 0704).
  request.headers["x-shortstack-viewer-ip"] = { value: event.viewer.ip };
  return request;
}
