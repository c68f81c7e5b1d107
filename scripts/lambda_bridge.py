"""The AWS shape of the app on one local port: CloudFront, API Gateway and the two functions.

An HTTP server on 127.0.0.1 that turns each request into the event AWS would hand a
function and calls that function's handler, in worker processes that stand in for Lambda
containers (one event at a time each, as Lambda runs them):

- the paths the distribution sends to the HTTP API (`/api/*`, `/shorten`, `/health`,
  `/docs`, `/docs/*`, `/redoc`, `/openapi.json`: decision 0404) become API Gateway HTTP API
  payload-2.0 events for `entrypoints/lambda_api.handler`, matched against the SAM
  template's routes (`routeKey` and `pathParameters` as API Gateway sets them; a request no
  route matches gets API Gateway's own `404 {"message":"Not Found"}`);
- every other path of one or more characters becomes a function URL event for
  `entrypoints/lambda_redirect.handler`, with only the headers the distribution's origin
  request policy forwards plus the ones CloudFront adds (a method other than GET or HEAD is
  CloudFront's 403, as the behaviour allows only those);
- `/`, `/index.html` and `/assets/*` are the bucket's: served from web/ as they are.

What API Gateway does to a request, as its payload 2.0 is documented and observed: header
names in lower case, repeated headers joined with commas, `Cookie` moved into `cookies`,
the path percent-decoded in `rawPath` and `requestContext.http.path` (an HTTP API decodes
it, a function URL does not), `rawQueryString` as sent and `queryStringParameters`
decoded with repeated keys joined by commas, the body as text only for `text/*`,
`application/json`, `application/xml` and `application/javascript` (and valid UTF-8),
base64 otherwise (a form and a missing Content-Type included). Its limits: a body over
10 MB is its 413, an event over Lambda's 6 MB invocation payload, a response over 6 MB, a
function that raises or times out (29 s) are its `500 {"message":"Internal Server Error"}`
(503 for the timeout); the bridge prints each such answer on stderr, since on AWS the
caller sees nothing else. The response: `statusCode`, `headers` (payload 2.0 joins
repeated ones with commas), `multiValueHeaders` if a function returns them, `cookies` as
one `Set-Cookie` each, a base64 body decoded, no body for HEAD.

Run it with the functions' settings from the SAM template, on DynamoDB Local:

    make dynamodb-local
    scripts/dynamodb-local.sh run -- .venv/bin/python scripts/lambda_bridge.py --port 8787

It creates the table (TABLE_NAME, default `shortstack-bridge`) when the engine has none,
and sets STAGE=aws, STORAGE=dynamodb, AUTH_MODE=none and AWS_ENDPOINT_URL (the engine's)
unless the environment already does. `--mirror http://127.0.0.1:8000` also sends every
request to another server (a local `shortstack serve`) and writes a JSON line per request
whose status or body shape differs to `--diff-log` (default
`test-results/bridge-diffs.jsonl`): the differential view of one client's
traffic on both shapes. A click counted on AWS is in the table's stream:
`--stream-check` folds those records through the stream consumer when the bridge stops
and compares each link's folded clicks with the redirects the bridge answered.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import http.client
import json
import multiprocessing
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"

API_ID = "bridge0api"
API_HOST = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
URL_ID = "bridge0redirect0function0url0id"
URL_HOST = f"{URL_ID}.lambda-url.us-east-1.on.aws"
EDGE_IP = "130.176.98.41"  # the CloudFront edge the origins see as the caller
BODY_LIMIT = 10 * 1024 * 1024  # an HTTP API's request payload
INVOKE_LIMIT = 6 * 1024 * 1024  # Lambda's synchronous invocation payload, each way
API_TIMEOUT_S = 29.0  # the API function's Timeout (and API Gateway's 30 s)
REDIRECT_TIMEOUT_S = 15.0
TEXT_TYPES = ("application/json", "application/xml", "application/javascript")

# The distribution's behaviours that go to the HTTP API (0404), first match wins.
# CloudFront matches them against the path as the viewer sent it (still percent-encoded).
API_PATHS = re.compile(r"/api/.*|/shorten|/health|/docs|/docs/.*|/redoc|/openapi\.json", re.DOTALL)
# The methods the distribution's behaviours allow at most; any other is its 403.
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"})
# The HTTP API's routes (infra/sam/template.yaml, ApiFunction's Events). API Gateway picks
# the most specific route; these never overlap but for the proxy, tried last.
ROUTES: list[tuple[str, str, re.Pattern[str], list[str]]] = [
    (m, p, re.compile(rx, re.DOTALL), names)
    for m, p, rx, names in (
        ("POST", "/shorten", r"/shorten", []),
        ("GET", "/health", r"/health", []),
        ("GET", "/docs", r"/docs", []),
        ("GET", "/redoc", r"/redoc", []),
        ("GET", "/docs/static/{name}", r"/docs/static/([^/]+)", ["name"]),
        ("GET", "/openapi.json", r"/openapi\.json", []),
        ("POST", "/api/v1/unlock/{short_id}", r"/api/v1/unlock/([^/]+)", ["short_id"]),
        ("GET", "/api/v1/unlock/{short_id}", r"/api/v1/unlock/([^/]+)", ["short_id"]),
        ("HEAD", "/api/v1/unlock/{short_id}", r"/api/v1/unlock/([^/]+)", ["short_id"]),
        ("ANY", "/api/{proxy+}", r"/api/(.+)", ["proxy"]),
    )
]
# What the redirect behaviour's origin request policy forwards (0404), lower case.
REDIRECT_HEADERS = frozenset({"referer", "user-agent", "accept", "accept-language", "content-type"})


class Context:
    """The parts of Lambda's context object the handlers or Mangum may read."""

    def __init__(self, name: str, timeout_s: float) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = secrets.token_hex(16)
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "bridge"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def start_container() -> None:
    """A worker's start: S3 (the imports bucket) on moto, in this process only.

    DynamoDB goes to the engine (its endpoint does not look like AWS, so moto lets it
    through); S3 has no local engine here. Each worker has its own bucket: an upload URL
    made in one container is unknown to another, so run one container to follow them.
    """
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    import boto3

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=os.environ["IMPORTS_BUCKET"])


def invoke(function: str, payload: str) -> str:
    """In a worker process (a container): the handler's answer to one event, as JSON."""
    event = json.loads(payload)
    if function == "api":
        from shortstack.entrypoints.lambda_api import handler

        timeout = API_TIMEOUT_S
    else:
        from shortstack.entrypoints.lambda_redirect import handler

        timeout = REDIRECT_TIMEOUT_S
    try:
        response = handler(event, Context(f"shortstack-{function}", timeout))
    except Exception as error:
        import traceback

        traceback.print_exc()
        return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})
    return json.dumps(response)


def media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def body_fields(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """`body` and `isBase64Encoded` as API Gateway writes them."""
    if not body:
        return {"isBase64Encoded": False}
    kind = media_type(headers)
    if kind.startswith("text/") or kind in TEXT_TYPES:
        try:
            return {"body": body.decode("utf-8"), "isBase64Encoded": False}
        except UnicodeDecodeError:
            pass
    return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def joined_headers(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, repeated ones joined with commas; cookies apart."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def query_parameters(raw: str) -> dict[str, str] | None:
    found: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(raw, keep_blank_values=True):
        found[key] = f"{found[key]},{value}" if key in found else value
    return found or None


def request_context(
    method: str, path: str, source_ip: str, user_agent: str, domain: str, route_key: str
) -> dict[str, Any]:
    now = time.time()
    return {
        "accountId": "123456789012",
        "apiId": domain.split(".")[0],
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": base64.b64encode(secrets.token_bytes(10)).decode().rstrip("="),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }


def decoded_path(raw: str) -> str:
    """The path as an HTTP API hands it on: percent-decoded (invalid UTF-8 replaced), and
    cut at a decoded "?" as observed of API Gateway."""
    return urllib.parse.unquote(raw, errors="replace").partition("?")[0]


def api_event(
    method: str,
    raw_path: str,
    raw_query: str,
    pairs: list[tuple[str, str]],
    body: bytes,
    client_ip: str,
    viewer_host: str,
) -> dict[str, Any] | None:
    """The HTTP API's event for a request CloudFront sent it, or None (no route: its 404)."""
    path = decoded_path(raw_path)
    route = None
    for route_method, template, pattern, names in ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method in ("ANY", method):
            route = (f"{route_method} {template}", dict(zip(names, match.groups(), strict=True)))
            break
    if route is None:
        return None
    viewer, _ = joined_headers(pairs)
    # The distribution (Managed-AllViewerExceptHostHeader) and its viewer-host function.
    pairs = [(name, value) for name, value in pairs if name.lower() not in ("host",)]
    headers, cookies = joined_headers(pairs)
    headers.pop("x-forwarded-host", None)
    headers["host"] = API_HOST
    headers["x-forwarded-host"] = viewer_host
    headers["x-shortstack-viewer-ip"] = client_ip
    headers["via"] = "2.0 bridge.cloudfront.net (CloudFront)"
    headers["x-amz-cf-id"] = base64.b64encode(secrets.token_bytes(42)).decode()
    forwarded = viewer.get("x-forwarded-for")
    headers["x-forwarded-for"] = ", ".join(filter(None, [forwarded, client_ip, EDGE_IP]))
    headers["x-forwarded-port"] = "443"
    headers["x-forwarded-proto"] = "https"
    headers["x-amzn-trace-id"] = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    if body:
        headers["content-length"] = str(len(body))
    route_key, parameters = route
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": request_context(
            method, path, EDGE_IP, headers.get("user-agent", ""), API_HOST, route_key
        ),
    }
    if cookies:
        event["cookies"] = cookies
    if (parameters_found := query_parameters(raw_query)) is not None:
        event["queryStringParameters"] = parameters_found
    if parameters:
        event["pathParameters"] = parameters
    event.update(body_fields(body, headers))
    return event


def redirect_event(
    method: str,
    raw_path: str,
    raw_query: str,
    pairs: list[tuple[str, str]],
    body: bytes,
    client_ip: str,
    client_port: int,
) -> dict[str, Any]:
    """The function URL's event for a short-link request CloudFront forwarded."""
    viewer, _ = joined_headers(pairs)
    headers = {name: value for name, value in viewer.items() if name in REDIRECT_HEADERS}
    headers.update(
        {
            "host": URL_HOST,
            "cloudfront-viewer-address": f"{client_ip}:{client_port}",
            "cloudfront-viewer-country": "DE",
            "cloudfront-is-mobile-viewer": "false",
            "via": "2.0 bridge.cloudfront.net (CloudFront)",
            "x-amz-cf-id": base64.b64encode(secrets.token_bytes(42)).decode(),
            "x-forwarded-for": EDGE_IP,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "x-amzn-trace-id": f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}",
        }
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,  # a function URL keeps the path as sent
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": request_context(
            method, raw_path, EDGE_IP, "Amazon CloudFront", URL_HOST, "$default"
        ),
    }
    if (parameters := query_parameters(raw_query)) is not None:
        event["queryStringParameters"] = parameters
    event.update(body_fields(body, headers))
    return event


class Answer:
    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        origin: str,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.origin = origin


def gateway_error(status: int, message: str, origin: str) -> Answer:
    body = json.dumps({"message": message}).encode()
    return Answer(status, [("content-type", "application/json")], body, origin)


def from_lambda(raw: str, origin: str) -> Answer:
    """What API Gateway (or the function URL) makes of a payload-2.0 response."""
    if len(raw.encode()) > INVOKE_LIMIT:
        return gateway_error(500, "Internal Server Error", f"{origin}: response over 6 MB")
    response = json.loads(raw)
    if not isinstance(response, dict) or "errorType" in response:
        return gateway_error(500, "Internal Server Error", f"{origin}: the function raised")
    if "statusCode" not in response:
        return Answer(200, [("content-type", "application/json")], raw.encode(), origin)
    headers: list[tuple[str, str]] = [
        (str(name), str(value)) for name, value in (response.get("headers") or {}).items()
    ]
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in response.get("cookies") or [])
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
    return Answer(int(response["statusCode"]), headers, data, origin)


def shape(body: bytes) -> Any:
    """A JSON body's shape (keys and types), to compare answers whose values differ."""
    try:
        value = json.loads(body)
    except ValueError:
        return "non-json" if body else "empty"

    def of(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: of(inner) for key, inner in sorted(item.items())}
        if isinstance(item, list):
            return [of(item[0])] if item else []
        return type(item).__name__

    return of(value)


class Bridge:
    def __init__(self, args: argparse.Namespace) -> None:
        context = multiprocessing.get_context("spawn")
        self.pool = concurrent.futures.ProcessPoolExecutor(
            args.containers, mp_context=context, initializer=start_container
        )
        self.mirror = urllib.parse.urlsplit(args.mirror) if args.mirror else None
        # Only a mirrored run has differences to log: a plain run leaves no file behind.
        self.diff_log = None
        if self.mirror and args.diff_log:
            Path(args.diff_log).parent.mkdir(parents=True, exist_ok=True)
            self.diff_log = open(args.diff_log, "a", encoding="utf-8")  # noqa: SIM115
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.redirects: dict[str, int] = {}
        self.ids: dict[str, str] = {}

    def call(self, function: str, event: dict[str, Any], timeout: float) -> Answer:
        payload = json.dumps(event)
        if len(payload.encode()) > INVOKE_LIMIT:
            return gateway_error(500, "Internal Server Error", f"{function}: event over 6 MB")
        future = self.pool.submit(invoke, function, payload)
        try:
            raw = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            return gateway_error(503, "Service Unavailable", f"{function}: timed out")
        return from_lambda(raw, function)

    def answer(
        self,
        method: str,
        target: str,
        pairs: list[tuple[str, str]],
        body: bytes | None,
        client: tuple[str, int],
    ) -> Answer:
        raw_path, _, raw_query = target.partition("?")
        viewer, _ = joined_headers(pairs)
        if body is None:
            return gateway_error(413, "Request Entity Too Large", "gateway: body over 10 MB")
        if method not in METHODS:
            return Answer(403, [("content-type", "text/html")], b"", "cloudfront: method")
        path = decoded_path(raw_path)
        if API_PATHS.fullmatch(raw_path):
            event = api_event(
                method, raw_path, raw_query, pairs, body, client[0], viewer.get("host", "")
            )
            if event is None:
                return gateway_error(404, "Not Found", "gateway: no route")
            return self.call("api", event, API_TIMEOUT_S + 1)
        if path in ("/", "/index.html") or path.startswith("/assets/"):
            return self.static(path)
        if method not in ("GET", "HEAD"):
            return Answer(403, [("content-type", "text/html")], b"", "cloudfront: method")
        event = redirect_event(method, raw_path, raw_query, pairs, body, *client)
        answer = self.call("redirect", event, REDIRECT_TIMEOUT_S + 1)
        if method == "GET" and 300 <= answer.status < 400:
            with self.lock:
                key = urllib.parse.unquote(raw_path[1:])
                self.redirects[key] = self.redirects.get(key, 0) + 1
        return answer

    def static(self, path: str) -> Answer:
        file = (WEB / ("index.html" if path == "/" else path.lstrip("/"))).resolve()
        if WEB.resolve() not in file.parents or not file.is_file():
            return Answer(403, [("content-type", "application/xml")], b"", "bucket")
        kind = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}.get(
            file.suffix, "application/octet-stream"
        )
        return Answer(200, [("content-type", kind)], file.read_bytes(), "bucket")

    def learn_ids(self, ours: Any, theirs: Any) -> None:
        """Server-made ids of one creation on both sides (a batch's too, nested): later
        requests name the mirror's."""
        if isinstance(ours, bytes):
            try:
                ours, theirs = json.loads(ours), json.loads(theirs)
            except ValueError:
                return
        if isinstance(ours, list) and isinstance(theirs, list):
            for mine, other in zip(ours, theirs, strict=False):
                self.learn_ids(mine, other)
        if not (isinstance(ours, dict) and isinstance(theirs, dict)):
            return
        for name, mine in ours.items():
            other = theirs.get(name)
            found = isinstance(mine, str) and isinstance(other, str) and mine != other
            if name in ID_FIELDS:
                if found and len(mine) >= 6:
                    with self.lock:
                        self.ids[mine] = str(other)
            elif isinstance(mine, (dict, list)):
                self.learn_ids(mine, other)

    def translated(self, text: Any) -> Any:
        """`text` (str or bytes) with every id the mirror knows by another name replaced."""
        with self.lock:
            pairs = list(self.ids.items())
        for ours, theirs in pairs:
            if isinstance(text, bytes):
                text = text.replace(ours.encode(), theirs.encode())
            else:
                text = text.replace(ours, theirs)
        return text

    def compare(
        self,
        method: str,
        target: str,
        pairs: list[tuple[str, str]],
        body: bytes,
        answer: Answer,
    ) -> None:
        """Send the same request to the mirror; log a differing status or body shape."""
        assert self.mirror is not None
        target, body = self.translated(target), self.translated(body)
        connection = http.client.HTTPConnection(
            self.mirror.hostname or "127.0.0.1", self.mirror.port or 80, timeout=30
        )
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in pairs:
                connection.putheader(name, value.encode("latin-1", "replace"))
            connection.endheaders(body or None)
            reply = connection.getresponse()
            theirs = reply.read()
            status = reply.status
        except (OSError, http.client.HTTPException) as error:
            status, theirs = 0, str(error).encode()
        finally:
            connection.close()
        self.learn_ids(answer.body, theirs)
        if method == "HEAD":  # neither side sends a body
            theirs, answer = b"", Answer(answer.status, answer.headers, b"", answer.origin)
        ours_shape, their_shape = shape(answer.body), shape(theirs)
        if status == answer.status and ours_shape == their_shape:
            return
        line = {
            "method": method,
            "target": target[:300],
            "aws": answer.status,
            "local": status,
            "aws_body": answer.body[:300].decode("utf-8", "replace"),
            "local_body": theirs[:300].decode("utf-8", "replace"),
            "same_shape": ours_shape == their_shape,
        }
        with self.lock:
            assert self.diff_log is not None
            self.diff_log.write(json.dumps(line) + "\n")
            self.diff_log.flush()


ID_FIELDS = ("short_id", "item_id", "key_id", "webhook_id", "import_id", "userId")


def make_handler(bridge: Bridge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "bridge"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def read_body(self) -> bytes | None:
            """The body, or None past an HTTP API's 10 MB (the connection then closes)."""
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                data = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    data += self.rfile.read(size)
                    self.rfile.readline()
                    if len(data) > BODY_LIMIT:
                        self.close_connection = True
                        return None
                return bytes(data)
            length = int(self.headers.get("content-length") or 0)
            if length > BODY_LIMIT:
                self.close_connection = True
                return None
            return self.rfile.read(length) if length else b""

        def handle_one(self) -> None:
            pairs = [(name, value) for name, value in self.headers.items()]
            try:
                body = self.read_body()
            except ValueError:
                body = b""
            answer = bridge.answer(self.command, self.path, pairs, body, self.client_address[:2])
            with bridge.lock:
                bridge.counts[f"{answer.status}"] = bridge.counts.get(f"{answer.status}", 0) + 1
            if answer.status >= 500 or answer.origin.startswith(("gateway", "api:", "redirect:")):
                print(
                    f"bridge: {answer.status} from {answer.origin}: {self.command} "
                    f"{self.path[:200]}",
                    file=sys.stderr,
                    flush=True,
                )
            self.send_response_only(answer.status)
            for name, value in answer.headers:
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            payload = b"" if self.command == "HEAD" else answer.body
            given = {name.lower(): value for name, value in answer.headers}
            length = given.get("content-length") if self.command == "HEAD" else None
            self.send_header("content-length", length or str(len(payload)))
            self.send_header("date", self.date_time_string())
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            if bridge.mirror is not None and body is not None:
                bridge.compare(self.command, self.path, pairs, body, answer)

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # any method: the distribution decides (METHODS)
                return self.handle_one
            raise AttributeError(name)

    return Handler


def prepare_environment(args: argparse.Namespace) -> None:
    """The functions' settings (SAM template), on DynamoDB Local; creates the table."""
    endpoint = os.environ.get("DYNAMODB_LOCAL_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        sys.exit("lambda_bridge: run me through scripts/dynamodb-local.sh run -- ...")
    defaults = {
        "STAGE": "aws",
        "STORAGE": "dynamodb",
        "TABLE_NAME": "shortstack-bridge",
        "AUTH_MODE": "none",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bridge",
        "AWS_SECRET_ACCESS_KEY": "bridge",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "LOG_LEVEL": "WARNING",
        "POWERTOOLS_SERVICE_NAME": "shortstack",
        "API_KEYS_ENABLED": "false",
        "IMPORTS_BUCKET": "shortstack-bridge-imports",
        # Only DynamoDB's clients name the engine; S3's default to AWS, which moto answers.
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(ROOT / "src"))
    from shortstack.adapters.aws import make_client
    from shortstack.adapters.dynamodb.table import create_table

    client = make_client("dynamodb", endpoint)
    table = os.environ["TABLE_NAME"]
    deadline = time.monotonic() + 90
    while True:  # the engine takes a few seconds to start listening
        try:
            names = client.list_tables()["TableNames"]
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    if table not in names:
        create_table(client, table)


def stream_check(bridge: Bridge) -> bool:
    """The table's stream through the stream consumer, one tumbling window; then, for each
    link the bridge redirected, the folded clicks and bots against the link's own counts
    (what the redirect function counted) and the redirects the bridge answered."""
    from moto import mock_aws

    mock = mock_aws()  # the bus the consumer forwards other events to
    mock.start()
    import boto3

    boto3.client("events", region_name="us-east-1").create_event_bus(Name="shortstack")
    from shortstack.adapters.aws import make_client
    from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
    from shortstack.adapters.dynamodb.stats import DynamoDBClickStatsRepository
    from shortstack.adapters.dynamodb.stream_reader import StreamReader
    from shortstack.entrypoints import lambda_stream

    endpoint = os.environ["AWS_ENDPOINT_URL"]
    table = os.environ["TABLE_NAME"]
    dynamodb = make_client("dynamodb", endpoint)
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    reader = StreamReader(make_client("dynamodbstreams", endpoint))
    records = sorted(
        (
            {**record, "eventSourceARN": arn}
            for shard, first in reader.shards(arn)
            for record in reader.records(arn, shard, first)
        ),
        key=lambda record: int(record["dynamodb"]["SequenceNumber"]),
    )
    start = time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime())
    window = {"start": start, "end": start}
    state: dict[str, Any] = {}
    failures = 0
    for first in range(0, len(records) + 1, 100):
        event = {
            "Records": records[first : first + 100],
            "window": window,
            "state": state,
            "shardId": "shardId-bridge",
            "eventSourceARN": arn,
            "isFinalInvokeForWindow": first + 100 > len(records),
            "isWindowTerminatedEarly": False,
        }
        result = lambda_stream.handler(event, Context("shortstack-stream", 900))
        failures += len(result.get("batchItemFailures") or [])
        state = result.get("state") or {}
    links = DynamoDBLinkRepository(dynamodb, table)
    stats = DynamoDBClickStatsRepository(dynamodb, table)
    today = time.gmtime()
    from datetime import date, timedelta

    last = date(today.tm_year, today.tm_mon, today.tm_mday) + timedelta(days=1)
    ok = failures == 0
    checked = 0
    for short_id, answered in sorted(bridge.redirects.items()):
        link = links.get(short_id)
        if link is None:
            continue  # deleted since: its stats went with it
        days = stats.days(link.short_id, last - timedelta(days=2), last)
        folded = sum(day.clicks for day in days), sum(day.bots for day in days)
        counted = link.click_count, link.bot_count
        checked += 1
        if folded != counted or sum(counted) > answered:
            ok = False
            print(
                f"stream: {link.short_id}: folded clicks/bots {folded}, the link's {counted}, "
                f"{answered} redirects answered",
                file=sys.stderr,
            )
    print(
        f"stream: {len(records)} records, {failures} failed, {checked} links checked: "
        + ("folded clicks equal the counted ones" if ok else "MISMATCH"),
        file=sys.stderr,
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument(
        "--containers", type=int, default=2, help="worker processes (Lambda containers)"
    )
    parser.add_argument("--mirror", help="also send each request to this server and compare")
    parser.add_argument("--diff-log", default="test-results/bridge-diffs.jsonl")
    parser.add_argument(
        "--exit-after", type=float, default=0, help="stop after N seconds (0: never)"
    )
    parser.add_argument(
        "--stream-check", action="store_true", help="fold the table's stream when stopping"
    )
    args = parser.parse_args()
    prepare_environment(args)
    bridge = Bridge(args)
    # Warm each container before the first request, as a provisioned one would be.
    server = ThreadingHTTPServer((args.host, args.port), make_handler(bridge))
    server.daemon_threads = True
    print(
        f"lambda_bridge: http://{args.host}:{args.port} (table {os.environ['TABLE_NAME']})",
        file=sys.stderr,
        flush=True,
    )

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if args.exit_after:
        threading.Timer(args.exit_after, server.shutdown).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        bridge.pool.shutdown(cancel_futures=True)
        print(
            f"lambda_bridge: statuses {json.dumps(bridge.counts, sort_keys=True)}", file=sys.stderr
        )
    if args.stream_check and not stream_check(bridge):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
