"""Buckets refuse plain HTTP; account-wide names carry the region; Terraform tags and state.

- Every bucket's policy denies `s3:*` to requests without TLS (`aws:SecureTransport`
  false), on the bucket and its objects, in SAM (every extra off and on) and Terraform.
- CloudFront's origin access control and response headers policy, the CloudFront web ACL
  and the dashboard live in one namespace per account (or per account and us-east-1),
  not per region: a second stack of the same name in another region (docs/multi-region.md)
  collides unless the names carry the region.
- Terraform tags every resource through both providers' default_tags and documents a
  remote state (backend.tf.example).
"""

from __future__ import annotations

import json
from typing import Any

import hcl2
import pytest

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, source_template, translate
from .test_production_extras import ON
from .test_terraform import TERRAFORM, load_config, resources, unquote

TEMPLATE = source_template()
GLOBAL_NAMES = {
    "FrontendOriginAccessControl": ("OriginAccessControlConfig", "Name"),
    "FrontendHeaders": ("ResponseHeadersPolicyConfig", "Name"),
    "WebAcl": ("Name",),
    "Dashboard": ("DashboardName",),
}


@pytest.fixture(scope="module", params=["extras off", "extras on"])
def deployed(request: pytest.FixtureRequest) -> dict[str, Any]:
    parameters, region = (
        (REQUIRED_PARAMETERS, "eu-west-1") if request.param == "extras off" else (ON, "us-east-1")
    )
    return Stack(translate(TEMPLATE, parameters), parameters, region).resources()


def denies_plain_http(statements: list[dict[str, Any]], bucket_arn: Any, objects: Any) -> bool:
    return any(
        s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s["Action"] == "s3:*"
        and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and bucket_arn in s["Resource"]
        and objects in s["Resource"]
        for s in statements
    )


def test_every_bucket_refuses_requests_without_tls(deployed: dict[str, Any]) -> None:
    buckets = [n for n, r in deployed.items() if r["Type"] == "AWS::S3::Bucket"]
    assert len(buckets) == 2
    policies = {
        r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]["Statement"]
        for r in deployed.values()
        if r["Type"] == "AWS::S3::BucketPolicy"
    }
    for bucket in buckets:
        arn = {"Fn::GetAtt": [bucket, "Arn"]}
        objects = {"Fn::Sub": f"${{{bucket}.Arn}}/*"}
        assert denies_plain_http(policies[bucket], arn, objects), bucket


def test_every_terraform_bucket_refuses_requests_without_tls() -> None:
    found = resources(load_config())
    buckets = {k.split(".")[1] for k in found if k.startswith("aws_s3_bucket.")}
    policies = {
        body["bucket"]: body["policy"]
        for k, body in found.items()
        if k.startswith("aws_s3_bucket_policy.")
    }
    assert len(buckets) == 2
    for bucket in buckets:
        policy = policies[f"${{aws_s3_bucket.{bucket}.id}}"]
        assert 'Effect = "Deny"' in policy, bucket
        assert '"aws:SecureTransport" = "false"' in policy, bucket
        assert f'[aws_s3_bucket.{bucket}.arn, "${{aws_s3_bucket.{bucket}.arn}}/*"]' in policy


def test_account_wide_names_carry_the_region() -> None:
    for resource, path in GLOBAL_NAMES.items():
        node: Any = TEMPLATE["Resources"][resource]["Properties"]
        for key in path:
            node = node[key]
        assert "${AWS::Region}" in json.dumps(node), resource
    found = resources(load_config())
    for key, attribute in (
        ("aws_cloudfront_origin_access_control.frontend", "name"),
        ("aws_cloudfront_response_headers_policy.frontend_headers", "name"),
        ("aws_wafv2_web_acl.web_acl", "name"),
        ("aws_cloudwatch_dashboard.dashboard", "dashboard_name"),
    ):
        assert "${var.region}" in found[key][attribute], key
    # The dashboard's WAF widget names the same web ACL.
    body = json.dumps(TEMPLATE["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
    assert "${AWS::StackName}-${AWS::Region}-frontend" in body


def test_terraform_tags_every_resource_and_shows_a_remote_state() -> None:
    config = load_config()
    providers = [body for block in config["provider"] for body in block.values()]
    assert len(providers) == 2
    for provider in providers:
        assert provider["default_tags"] == [{"tags": "${local.default_tags}"}]
    [tags] = [b["default_tags"] for b in config["locals"] if "default_tags" in b]
    assert "Application" in tags
    assert "var.tags" in tags
    with (TERRAFORM / "backend.tf.example").open() as handle:
        example = unquote(hcl2.load(handle))
    [backend] = example["terraform"][0]["backend"]
    assert backend["s3"]["use_lockfile"] is True
    assert backend["s3"]["encrypt"] is True
    assert not (TERRAFORM / "backend.tf").exists()  # an example, not imposed on everyone
