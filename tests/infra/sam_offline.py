"""The SAM template as CloudFormation receives it after `sam package` and the transform, offline.

`sam package` would upload the code and the state machine definition and put
S3 URIs in their place; `translate` makes the same substitution after checking
that the local paths exist, then runs SAM's own translator.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "sam" / "template.yaml"
REQUIRED_PARAMETERS = {
    "JwtIssuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
    "JwtAudience": "1h2j3k4l5m6n7o8p9q0r1",
}


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def source_template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text())
    return parsed


def translate(
    source: dict[str, Any], parameters: dict[str, str], template_dir: Path = TEMPLATE.parent
) -> dict[str, Any]:
    packaged = copy.deepcopy(source)
    functions = packaged["Globals"]["Function"]
    if "CodeUri" in functions:  # the zip (the image variant has none)
        code_uri = (template_dir / functions["CodeUri"]).resolve()
        assert code_uri == ROOT / ".build" / "lambda", "make package writes the code here"
        functions["CodeUri"] = "s3://artifacts/code.zip"
    machine = packaged["Resources"]["ImportStateMachine"]["Properties"]
    assert (template_dir / machine["DefinitionUri"]).resolve().is_file()
    machine["DefinitionUri"] = "s3://artifacts/bulk_import.asl.json"
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    result: dict[str, Any] = transform(packaged, parameters, _NoManagedPolicies())
    return result


def with_defaults(template_text: str, defaults: dict[str, str]) -> str:
    """The template's text with other parameter defaults, for tools that read only defaults.

    cfn-lint and checkov evaluate conditions from the defaults; this is how they get
    to see a stack with the extras on.
    """
    lines = template_text.splitlines()
    current = None
    in_parameters = False
    replaced = set()
    for index, line in enumerate(lines):
        if not line.startswith(" ") and line.strip():
            in_parameters = line.startswith("Parameters:")
            continue
        if in_parameters and line.startswith("  ") and not line.startswith("   "):
            current = line.strip().rstrip(":")
        elif in_parameters and current in defaults and line.strip().startswith("Default:"):
            lines[index] = f'    Default: "{defaults[current]}"'
            replaced.add(current)
    assert replaced == set(defaults), f"no Default line for {set(defaults) - replaced}"
    return "\n".join(lines) + "\n"
