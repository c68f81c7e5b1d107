"""The one CloudFront distribution (decision 0404): paths routed as the local server routes.

Read from the SAM template as CloudFormation receives it (translated, the default
parameters): which origin answers each path, what each behaviour caches and forwards,
that only the distribution can call the redirect function's URL, and that the HTTP API
no longer routes short links. The viewer-host CloudFront Function runs under node.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shortstack.entrypoints.edge import EDGE_VIEWER_HEADER, ORIGIN_SECRET_HEADER

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, ROOT, source_template, translate

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# Every header the redirect code reads (entrypoints/redirects.py, domain/link_routing.py,
# the HTML pages) and what CloudFront adds about the viewer; never Host, never a cookie.
REDIRECT_HEADERS = {
    "referer",
    "user-agent",
    "accept",
    "accept-language",
    "content-type",
    "cloudfront-viewer-country",
    "cloudfront-viewer-address",
    "cloudfront-is-mobile-viewer",
    # A browser's prefetch or prerender, answered without counting (domain/visits.py).
    "sec-purpose",
    "purpose",
}
# Where the local server sends each path (its FastAPI routes, the page, the redirect layer).
LOCAL_ROUTING = {
    "/": "frontend",
    "/index.html": "frontend",
    "/assets/app.js": "frontend",
    "/assets/vendor/qr.js": "frontend",
    "/api/v1/items": "api",
    "/api/v1/links/abc1234/stats": "api",
    "/api/v1/qr/abc1234": "api",
    "/shorten": "api",
    "/health": "api",
    "/docs": "api",
    "/docs/oauth2-redirect": "api",
    "/redoc": "api",
    "/openapi.json": "api",
    "/abc1234": "redirect",
    "/my-alias_2": "redirect",
    "/x": "redirect",
    "/apis": "redirect",
    "/shortener": "redirect",
    "/healthy": "redirect",
    "/favicon.ico": "redirect",
}
# A link's QR code: the one API path CloudFront keeps (decision 0115).
QR_CODES = "/api/v1/qr/*"
CACHEABLE_ERRORS = {400, 403, 404, 405, 414, 500, 501, 502, 503, 504}
VIEWER_HOST_JS = ROOT / "infra" / "terraform" / "viewer_host.js"


@pytest.fixture(scope="module")
def stack() -> Stack:
    translated = translate(source_template(), REQUIRED_PARAMETERS)
    return Stack(translated, REQUIRED_PARAMETERS, "eu-west-1")


@pytest.fixture(scope="module")
def resources(stack: Stack) -> dict[str, Any]:
    return stack.resources()


@pytest.fixture(scope="module")
def distribution(resources: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = resources["Distribution"]["Properties"]["DistributionConfig"]
    return config


def matches(pattern: str, path: str) -> bool:
    """CloudFront's path patterns: `*` is any run of characters, `?` exactly one."""
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("/")
    )
    return re.fullmatch(regex, path.lstrip("/"), flags=re.DOTALL) is not None


def behaviour_for(distribution: dict[str, Any], path: str) -> dict[str, Any]:
    """The behaviour CloudFront picks: the first pattern that matches, else the default."""
    for behaviour in distribution["CacheBehaviors"]:
        if matches(behaviour["PathPattern"], path):
            return dict(behaviour)
    return dict(distribution["DefaultCacheBehavior"])


def test_the_distribution_routes_every_path_where_the_local_server_does(
    distribution: dict[str, Any],
) -> None:
    routed = {path: behaviour_for(distribution, path)["TargetOriginId"] for path in LOCAL_ROUTING}
    assert routed == LOCAL_ROUTING
    assert distribution["DefaultRootObject"] == "index.html"
    origins = {o["Id"] for o in distribution["Origins"]}
    assert origins == {"frontend", "api", "redirect"}


def test_every_route_of_the_http_api_is_reached_through_the_distribution(
    resources: dict[str, Any], distribution: dict[str, Any]
) -> None:
    [api] = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    paths = api["Properties"]["Body"]["paths"]
    assert "/{short_id}" not in paths  # short links are the function URL's, not the API's
    for path in paths:
        # A route's sample path: each {parameter} (or greedy {proxy+}) as one segment.
        sample = re.sub(r"\{[^}]+\}", "segment", path)
        assert behaviour_for(distribution, sample)["TargetOriginId"] == "api", path


def test_api_paths_are_never_cached_and_get_the_viewers_request_but_its_host(
    distribution: dict[str, Any],
) -> None:
    api = [
        b
        for b in distribution["CacheBehaviors"]
        if b["TargetOriginId"] == "api" and b["PathPattern"] != QR_CODES
    ]
    assert len(api) == 7
    for behaviour in api:
        assert behaviour["CachePolicyId"] == CACHING_DISABLED
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
        assert len(behaviour["AllowedMethods"]) == 7
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        [function] = behaviour["FunctionAssociations"]
        assert function == {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["ViewerHostFunction", "FunctionARN"]},
        }
    [origin] = [o for o in distribution["Origins"] if o["Id"] == "api"]
    assert origin["DomainName"] == {
        "Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.amazonaws.com"
    }
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_short_links_reach_the_function_url_signed_by_the_distribution_alone(
    resources: dict[str, Any], distribution: dict[str, Any]
) -> None:
    url = resources["RedirectFunctionUrl"]["Properties"]
    assert url["AuthType"] == "AWS_IAM"
    assert url["TargetFunctionArn"] == {"Fn::GetAtt": ["RedirectFunction", "Arn"]}
    [origin] = [o for o in distribution["Origins"] if o["Id"] == "redirect"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["RedirectOriginAccessControl", "Id"]}
    assert "RedirectFunctionUrl" in json.dumps(origin["DomainName"])
    access = resources["RedirectOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert access["OriginAccessControlOriginType"] == "lambda"
    assert (access["SigningBehavior"], access["SigningProtocol"]) == ("always", "sigv4")
    # Every permission on the redirect function: CloudFront, for this distribution only.
    permissions = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["FunctionName"] in ({"Ref": "RedirectFunction"}, "RedirectFunction")
    ]
    assert {p["Action"] for p in permissions} == {
        "lambda:InvokeFunctionUrl",
        "lambda:InvokeFunction",
    }
    distribution_arn = (
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
    )
    for permission in permissions:
        assert permission["Principal"] == "cloudfront.amazonaws.com"
        assert permission["SourceArn"] == {"Fn::Sub": distribution_arn}
    [url_permission] = [p for p in permissions if p["Action"] == "lambda:InvokeFunctionUrl"]
    assert url_permission["FunctionUrlAuthType"] == "AWS_IAM"
    # No event source of the function's own (SAM would add an API route and its permission).
    assert "Events" not in source_template()["Resources"]["RedirectFunction"]["Properties"]


def test_a_redirect_gets_exactly_the_headers_it_reads(
    resources: dict[str, Any], distribution: dict[str, Any]
) -> None:
    behaviour = behaviour_for(distribution, "/abc1234")
    assert behaviour["PathPattern"] == "/?*"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["OriginRequestPolicyId"] == {"Ref": "RedirectOriginRequests"}
    config = resources["RedirectOriginRequests"]["Properties"]["OriginRequestPolicyConfig"]
    assert config["HeadersConfig"]["HeaderBehavior"] == "whitelist"
    assert {h.lower() for h in config["HeadersConfig"]["Headers"]} == REDIRECT_HEADERS
    assert config["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert config["CookiesConfig"] == {"CookieBehavior": "none"}


def test_the_redirect_fixture_carries_what_the_distribution_forwards() -> None:
    """The captured function-URL event: the forwarded headers arrive, Host is the URL's."""
    fixture = ROOT / "tests" / "events" / "lambda_url_redirect_get.json"
    headers = json.loads(fixture.read_text())["headers"]
    cloudfront_headers = {h for h in headers if h.startswith("cloudfront-")}
    assert cloudfront_headers <= REDIRECT_HEADERS
    assert headers["host"].endswith(".on.aws")


def test_only_a_short_links_404_is_cached_for_seconds_keyed_on_accept(
    resources: dict[str, Any], distribution: dict[str, Any]
) -> None:
    behaviour = behaviour_for(distribution, "/abc1234")
    assert behaviour["CachePolicyId"] == {"Ref": "RedirectCachePolicy"}
    policy = resources["RedirectCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0)
    assert 0 < policy["MaxTTL"] <= 5
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Accept"]}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_errors_are_kept_only_when_they_ask_and_no_page_replaces_them(
    distribution: dict[str, Any],
) -> None:
    errors = distribution["CustomErrorResponses"]
    assert {e["ErrorCode"] for e in errors} == CACHEABLE_ERRORS
    for error in errors:
        assert error == {"ErrorCode": error["ErrorCode"], "ErrorCachingMinTTL": 0}


def test_the_page_is_cached_and_gets_its_security_headers(distribution: dict[str, Any]) -> None:
    for path in ("/", "/index.html", "/assets/app.js"):
        behaviour = behaviour_for(distribution, path)
        assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED, path
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "FrontendHeaders"}, path
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"], path


def test_the_viewer_host_function_is_the_file_terraform_reads(resources: dict[str, Any]) -> None:
    function = resources["ViewerHostFunction"]["Properties"]
    assert function["FunctionCode"] == VIEWER_HOST_JS.read_text()
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize(
    ("headers", "forwarded"),
    [
        ({"host": {"value": "d111.cloudfront.net"}}, "d111.cloudfront.net"),
        (
            {"host": {"value": "app.example.com"}, "x-forwarded-host": {"value": "evil.example"}},
            "app.example.com",
        ),
        ({"x-forwarded-host": {"value": "evil.example"}}, None),
    ],
)
def test_the_viewer_host_function_replaces_any_forwarded_host(
    tmp_path: Path, headers: dict[str, Any], forwarded: str | None
) -> None:
    out = run_viewer_host(tmp_path, headers)
    assert out.get("x-forwarded-host", {}).get("value") == forwarded
    assert out.get("host") == headers.get("host")


def run_viewer_host(tmp_path: Path, headers: dict[str, Any], ip: str = "203.0.113.5") -> Any:
    """The request headers the viewer-host function hands on, run under node."""
    event = {"request": {"headers": headers}, "viewer": {"ip": ip}}
    script = tmp_path / "run.js"
    script.write_text(
        VIEWER_HOST_JS.read_text()
        + f"\nvar out = handler({json.dumps(event)});"
        + "\nprocess.stdout.write(JSON.stringify(out.headers));\n"
    )
    run = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("ip", ["198.51.100.7", "2001:db8::7"])
def test_the_viewer_host_function_writes_the_viewers_ip_over_any_sent(
    tmp_path: Path, ip: str
) -> None:
    forged = {"host": {"value": "sho.rt"}, EDGE_VIEWER_HEADER: {"value": "203.0.113.99"}}
    out = run_viewer_host(tmp_path, forged, ip)
    assert out[EDGE_VIEWER_HEADER] == {"value": ip}


def test_short_links_and_the_app_point_at_the_distribution_without_a_custom_domain(
    stack: Stack,
) -> None:
    outputs = stack.template["Outputs"]
    distribution_url = "https://${Distribution.DomainName}"
    for name in ("ApiUrl", "FrontendUrl", "ShortLinkBaseUrl"):
        assert stack.value(stack.resolve(outputs[name]["Value"])) == distribution_url, name


# ------------------------------------------------------------------ Terraform, at parity


@pytest.fixture(scope="module")
def terraform() -> dict[str, dict[str, Any]]:
    from .test_terraform import load_config, resources

    return resources(load_config())


def test_terraform_routes_the_same_paths_in_the_same_order(
    distribution: dict[str, Any],
) -> None:
    from .test_terraform import load_config, local

    behaviours = local(load_config(), "cache_behaviors")
    text = json.dumps(behaviours)
    sam_order = [(b["PathPattern"], b["TargetOriginId"]) for b in distribution["CacheBehaviors"]]
    # python-hcl2 keeps the for-expressions as text: read the patterns in their order.
    patterns = re.findall(r'\\"(/[^\\"]*)\\"', text)
    assert patterns == [path for path, _ in sam_order]
    origin_of_group = re.findall(r'origin = \\"(\w+)\\"', text)
    assert origin_of_group == ["api", "api", "frontend", "redirect"]


def test_terraform_forwards_caches_and_keeps_errors_as_sam_does(
    resources: dict[str, Any], distribution: dict[str, Any], terraform: dict[str, Any]
) -> None:
    requests = terraform["aws_cloudfront_origin_request_policy.redirect_origin_requests"]
    [headers] = requests["headers_config"]
    assert headers["header_behavior"] == "whitelist"
    assert {h.lower() for h in headers["headers"][0]["items"]} == REDIRECT_HEADERS
    assert requests["query_strings_config"] == [{"query_string_behavior": "all"}]
    assert requests["cookies_config"] == [{"cookie_behavior": "none"}]
    policy = terraform["aws_cloudfront_cache_policy.redirect_cache_policy"]
    sam_policy = resources["RedirectCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (policy["min_ttl"], policy["default_ttl"], policy["max_ttl"]) == (
        sam_policy["MinTTL"],
        sam_policy["DefaultTTL"],
        sam_policy["MaxTTL"],
    )
    [key] = policy["parameters_in_cache_key_and_forwarded_to_origin"]
    assert key["headers_config"][0]["headers"] == [{"items": ["Accept"]}]
    assert key["query_strings_config"] == [{"query_string_behavior": "all"}]
    access = terraform["aws_cloudfront_origin_access_control.redirect_origin_access_control"]
    assert access["origin_access_control_origin_type"] == "lambda"
    assert (access["signing_behavior"], access["signing_protocol"]) == ("always", "sigv4")
    url = terraform["aws_lambda_function_url.redirect_function_url"]
    assert url["authorization_type"] == "AWS_IAM"
    permission = terraform["aws_lambda_permission.redirect_from_cloud_front"]
    assert permission["principal"] == "cloudfront.amazonaws.com"
    assert "aws_cloudfront_distribution.distribution.arn" in permission["source_arn"]
    assert "lambda:InvokeFunctionUrl" in str(permission["for_each"])
    assert "lambda:InvokeFunction" in str(permission["for_each"])
    errors = terraform["aws_cloudfront_distribution.distribution"]["dynamic"]
    [custom] = [d["custom_error_response"] for d in errors if "custom_error_response" in d]
    assert set(custom["for_each"]) == CACHEABLE_ERRORS
    assert custom["content"] == [
        {"error_code": "${custom_error_response.value}", "error_caching_min_ttl": 0}
    ]
    function = terraform["aws_cloudfront_function.viewer_host_function"]
    assert "viewer_host.js" in function["code"]


# ------------------------------------------------------------------ the API's origin secret

SECRET = "0123456789abcdef0123456789abcdef"


def api_origin_and_environment(parameters: dict[str, str]) -> tuple[Any, Any]:
    translated = translate(source_template(), parameters)
    stack = Stack(translated, parameters, "eu-west-1")
    found = stack.resources()
    [origin] = [
        o for o in found["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
        if o["Id"] == "api"
    ]  # fmt: skip
    environment = found["ApiFunction"]["Properties"]["Environment"]["Variables"]
    return origin, environment


def test_the_api_origin_carries_the_secret_the_api_function_checks() -> None:
    # Only a request through the distribution carries it (the execute-api endpoint answers
    # anyone); the API then believes its CloudFront-Viewer-* headers (decision 0704).
    origin, environment = api_origin_and_environment(
        {**REQUIRED_PARAMETERS, "OriginSecret": SECRET}
    )
    [header] = origin["OriginCustomHeaders"]
    assert header["HeaderName"].lower() == ORIGIN_SECRET_HEADER
    assert header["HeaderValue"] == {"Ref": "OriginSecret"}
    assert environment["CLOUDFRONT_ORIGIN_SECRET"] == {"Ref": "OriginSecret"}
    # Without one the origin adds nothing and the API believes no viewer header.
    origin, environment = api_origin_and_environment(REQUIRED_PARAMETERS)
    assert "OriginCustomHeaders" not in origin
    assert source_template()["Parameters"]["OriginSecret"]["Default"] == ""


def test_no_other_origin_or_function_gets_the_secret(resources: dict[str, Any]) -> None:
    template = source_template()
    assert template["Parameters"]["OriginSecret"]["NoEcho"] is True
    # The API origin's header and the API function's variable: nowhere else.
    for name, resource in resources.items():
        if name in {"Distribution", "ApiFunction"}:
            continue
        assert "OriginSecret" not in json.dumps(resource.get("Properties")), name


def test_terraform_adds_the_same_header_from_the_same_secret(terraform: dict[str, Any]) -> None:
    from .test_terraform import load_config, local

    [api] = [
        o for o in terraform["aws_cloudfront_distribution.distribution"]["origin"]
        if o["origin_id"] == "api"
    ]  # fmt: skip
    [header] = [d["custom_header"] for d in api["dynamic"]]
    assert "var.origin_secret" in header["for_each"]
    assert header["content"] == [
        {"name": "${custom_header.value}", "value": "${var.origin_secret}"}
    ]
    assert "X-Shortstack-Origin-Secret" in header["for_each"]
    environment = local(load_config(), "function_environment")
    assert environment["api_function"]["CLOUDFRONT_ORIGIN_SECRET"] == "${var.origin_secret}"
    others = {k: v for k, v in environment.items() if k != "api_function"}
    assert "origin_secret" not in json.dumps(others)


def test_qr_codes_are_kept_per_query_accept_and_host_as_their_answer_says(
    resources: dict[str, Any], distribution: dict[str, Any]
) -> None:
    """The one cached API path: a picture the same for every viewer of one host, kept as
    long as its Cache-Control says (at most an hour), reached before `/api/*` matches."""
    behaviour = behaviour_for(distribution, "/api/v1/qr/abc1234")
    assert behaviour["PathPattern"] == QR_CODES
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    [function] = behaviour["FunctionAssociations"]
    assert function["EventType"] == "viewer-request"  # X-Forwarded-Host, then the key
    assert behaviour["CachePolicyId"] == {"Ref": "QrCodeCachePolicy"}
    policy = resources["QrCodeCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (policy["MinTTL"], policy["DefaultTTL"], policy["MaxTTL"]) == (0, 0, 3600)
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"]["Headers"] == ["Accept", "X-Forwarded-Host"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_terraform_keeps_qr_codes_as_sam_does(
    resources: dict[str, Any], terraform: dict[str, Any]
) -> None:
    policy = terraform["aws_cloudfront_cache_policy.qr_code_cache_policy"]
    sam_policy = resources["QrCodeCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (policy["min_ttl"], policy["default_ttl"], policy["max_ttl"]) == (
        sam_policy["MinTTL"],
        sam_policy["DefaultTTL"],
        sam_policy["MaxTTL"],
    )
    [key] = policy["parameters_in_cache_key_and_forwarded_to_origin"]
    [headers] = key["headers_config"]
    assert headers["headers"][0]["items"] == ["Accept", "X-Forwarded-Host"]
    assert key["query_strings_config"] == [{"query_string_behavior": "all"}]
