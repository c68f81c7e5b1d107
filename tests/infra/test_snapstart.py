"""Lambda SnapStart for the API function: a switch, off by default, zip only (decision 0405).

SnapStart resumes new environments of a published version from a snapshot taken after
its initialisation, so the API's imports leave its cold path. It runs published
versions only, so the HTTP API invokes an alias; an image cannot use it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, TEMPLATE, source_template, translate
from .test_packaging_and_deploy import load_script

SWITCH = "EnableApiSnapStart"


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate(source_template(), REQUIRED_PARAMETERS)


def functions(stack: Stack) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in stack.resources().items()
        if resource["Type"] == "AWS::Lambda::Function"
    }


def test_the_switch_is_off_by_default_on_a_runtime_and_architecture_snapstart_runs() -> None:
    source = source_template()
    parameter = source["Parameters"][SWITCH]
    assert parameter["Default"] == "false"
    assert parameter["AllowedValues"] == ["true", "false"]
    # SnapStart runs Python 3.12 and later, on x86_64 and arm64, zip packages only.
    assert source["Globals"]["Function"]["Runtime"] == "python3.12"
    assert source["Globals"]["Function"]["Architectures"] == ["arm64"]


def test_only_the_api_function_snapshots_and_only_when_switched_on(
    translated: dict[str, Any],
) -> None:
    off = functions(Stack(translated, REQUIRED_PARAMETERS, "eu-west-1"))
    on = functions(Stack(translated, {**REQUIRED_PARAMETERS, SWITCH: "true"}, "eu-west-1"))
    assert off["ApiFunction"]["SnapStart"] == {"ApplyOn": "None"}
    assert on["ApiFunction"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert [name for name, props in on.items() if "SnapStart" in props] == ["ApiFunction"]


def test_the_http_api_invokes_the_published_alias_and_old_versions_go(
    translated: dict[str, Any],
) -> None:
    resources = translated["Resources"]
    [alias] = [name for name, r in resources.items() if r["Type"] == "AWS::Lambda::Alias"]
    assert resources[alias]["Properties"]["Name"] == "live"
    [version] = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Version"]
    assert version["Properties"]["FunctionName"] == {"Ref": "ApiFunction"}
    # A replaced version is deleted: its snapshot would otherwise stay cached, and billed.
    assert version["DeletionPolicy"] == "Delete"
    permissions = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert permissions
    assert all(p["FunctionName"] == {"Ref": alias} for p in permissions)
    body = resources["HttpApi"]["Properties"]["Body"]
    uris = {
        json.dumps(operation["x-amazon-apigateway-integration"]["uri"])
        for path in body["paths"].values()
        for operation in path.values()
    }
    assert uris
    assert all(f"${{{alias}}}/invocations" in uri for uri in uris), uris


def test_the_image_variant_has_no_snapstart(tmp_path: Path) -> None:
    script = load_script("sam_image_template")
    variant = script.image_variant(source_template(), TEMPLATE.parent, tmp_path)
    assert SWITCH not in variant["Parameters"]
    assert "ApiSnapStartOn" not in variant["Conditions"]
    image_uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack:1"
    translated = translate(variant, {**REQUIRED_PARAMETERS, "ImageUri": image_uri}, tmp_path)
    stack = Stack(translated, {**REQUIRED_PARAMETERS, "ImageUri": image_uri}, "eu-west-1")
    assert not [name for name, props in functions(stack).items() if "SnapStart" in props]
