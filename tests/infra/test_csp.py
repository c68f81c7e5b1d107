"""The frontend's CSP allows every origin the web code fetches, and nothing else, on AWS.

The browser enforces `connect-src`: a fetch to an origin it does not list fails before
it leaves the page. Sign-in exchanges its code at `https://<cognito domain>/oauth2/token`
(web/assets/auth.js); a CSP that lists any other Cognito host ends every sign-in at 401.
The API is on the page's own origin (one distribution, decision 0404): `'self'`, whatever
name the distribution answers on, so a default deploy works without a second one.
Here the web code's fetches are read, filled in with the config.js that
`make deploy-frontend` writes from the stack's outputs, and compared with the CSP the
same stack serves, for deployments with and without a custom domain and sign-in.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, ROOT, source_template
from .test_packaging_and_deploy import load_script
from .test_terraform import load_config, local, resources

WEB = ROOT / "web"
VARIANTS = {
    "no sign-in, no domain": {},
    "sign-in": {"CognitoDomain": "shortstack-demo.auth.eu-west-1.amazoncognito.com"},
    "sign-in on its own domain, custom domain": {
        "CognitoDomain": "auth.example.com",
        "DomainName": "example.com",
        "HostedZoneId": "Z0123456789ABCDEFGHIJ",
        "FrontendCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c",
    },
}


def fetched_url_templates() -> list[str]:
    """Every URL the web code passes to fetch(), as its template literal."""
    found = []
    for path in sorted(WEB.rglob("*.js")):
        text = path.read_text()
        calls = re.findall(r"\bfetch\(", text)
        templates = re.findall(r"\bfetch\(`([^`]*)`", text)
        assert len(templates) == len(calls), f"{path}: a fetch() whose URL this test cannot read"
        found += templates
    assert found
    return found


def stack_outputs(stack: Stack) -> dict[str, str]:
    """The outputs config.js is written from, as CloudFormation would give them."""
    outputs = {}
    for name, output in source_template()["Outputs"].items():
        if name not in ("ApiUrl", "CognitoDomain", "CognitoClientId"):
            continue
        if "Condition" in output and not stack.condition(output["Condition"]):
            continue
        outputs[name] = str(stack.value(stack.resolve(output["Value"])))
    return outputs


def config_of(outputs: dict[str, str]) -> dict[str, str]:
    """What `make deploy-frontend` writes into web/assets/config.js for these outputs."""
    import json

    text = load_script("deploy_frontend").config_from_outputs(outputs)
    body = text[text.index("export default ") + len("export default ") :].rstrip().rstrip(";")
    config: dict[str, str] = json.loads(body)
    return config


def origins_fetched(config: dict[str, str]) -> set[str]:
    origins = set()
    for template in fetched_url_templates():
        url = re.sub(r"\$\{(?!config\.)[^}]*\}", "", template)  # the path, query, ...
        url = re.sub(r"\$\{config\.(\w+)\}", lambda m: config[m.group(1)], url)
        if config.get("cognitoDomain") == "" and "https:///" in url:
            continue  # sign-in is off: auth.js never fetches
        parts = urlsplit(url)
        origins.add(f"{parts.scheme}://{parts.netloc}" if parts.netloc else "'self'")
    return origins


def export_origin(stack: Stack) -> str:
    """Where api.js's download() goes when it follows a links export's 303 (decision 0109):
    the origin of the URL the API's presigning client signs for the stack's bucket."""
    import os

    from shortstack.adapters import aws

    variables = source_template()["Globals"]["Function"]["Environment"]["Variables"]
    bucket = str(stack.value(variables["IMPORTS_BUCKET"]))
    saved = {name: os.environ.get(name) for name in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID")}
    os.environ.update(AWS_DEFAULT_REGION=stack.values["AWS::Region"], AWS_ACCESS_KEY_ID="test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    try:
        url = aws.make_presigning_client().generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "exports/x/links.csv"}
        )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def connect_src(stack: Stack) -> list[str]:
    headers = stack.resources()["FrontendHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy = str(
        stack.value(
            headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        )
    )
    [directive] = [d.strip() for d in policy.split(";") if d.strip().startswith("connect-src ")]
    return directive.split()[1:]


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_origin_the_web_code_fetches_is_allowed_and_no_other(
    variant: str, region: str
) -> None:
    overrides = {**REQUIRED_PARAMETERS, **VARIANTS[variant]}
    if region == "us-east-1":
        overrides.pop("FrontendCertificateArn", None)  # made by the stack there
    stack = Stack(source_template(), overrides, region)
    assert stack.broken_rules() == []
    config = config_of(stack_outputs(stack))
    fetched = origins_fetched(config) | {export_origin(stack)}
    allowed = connect_src(stack)
    assert fetched <= set(allowed), (fetched, allowed)
    assert set(allowed) - fetched == set(), "an origin the web code never fetches"
    assert "'self'" in fetched  # the API, through the same distribution as the page
    assert config["apiBaseUrl"] == ""
    assert bool(config["cognitoDomain"]) == ("CognitoDomain" in VARIANTS[variant])


def test_terraform_csp_follows_cognito_domain_and_lists_no_other_cognito_host() -> None:
    headers = resources(load_config())["aws_cloudfront_response_headers_policy.frontend_headers"]
    [config] = headers["security_headers_config"]
    [csp] = config["content_security_policy"]
    policy: Any = csp["content_security_policy"]
    assert "var.cognito_domain" in policy
    assert "cognito-idp" not in policy
    # The API is the page's own origin; then where a links export's 303 leads.
    assert "connect-src 'self' ${local.export_origin}${" in policy
    origin = str(local(load_config(), "export_origin"))
    assert 'var.region == "us-east-1"' in origin
    assert "${aws_s3_bucket.imports_bucket.bucket}.s3.amazonaws.com" in origin
    assert "${aws_s3_bucket.imports_bucket.bucket}.s3.${var.region}.amazonaws.com" in origin
    assert "execute-api" not in policy
    assert "http_api" not in policy
    outputs = {name for block in load_config()["output"] for name in block}
    assert {"cognito_domain", "cognito_client_id"} <= outputs
