"""Write the SAM template's container-image variant: every function from one image.

    python scripts/sam_image_template.py [--out .build/template.image.json]

SAM's transform needs a literal PackageType (a `!Ref` or `!If` there fails with
"invalid 'PackageType'"), so the choice between the zip and an image cannot be a
CloudFormation parameter of infra/sam/template.yaml. This writes the same template
with PackageType Image, an ImageUri parameter and each function's handler as its
image command; `make deploy PACKAGE_TYPE=Image IMAGE_URI=...` deploys it
(decision 0401). Terraform takes `package_type` and `image_uri` as variables.
Lambda SnapStart does not run container images, so the variant has no SnapStart
and no parameter to ask for it (decision 0405).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "sam" / "template.yaml"
# The zip's SnapStart switch and its condition, which an image cannot use.
SNAPSTART_PARAMETER, SNAPSTART_CONDITION = "EnableApiSnapStart", "ApiSnapStartOn"
IMAGE_URI_PARAMETER = {
    "Type": "String",
    "Description": "arm64 image: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>",
    "AllowedPattern": r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/.+$",
}


def image_variant(template: dict[str, Any], template_dir: Path, out_dir: Path) -> dict[str, Any]:
    """The template with every function packaged as the ImageUri container image."""
    variant: dict[str, Any] = json.loads(json.dumps(template))
    variant["Parameters"]["ImageUri"] = IMAGE_URI_PARAMETER
    globals_ = variant["Globals"]["Function"]
    # An image brings its own runtime and code.
    del globals_["CodeUri"], globals_["Runtime"]
    del variant["Parameters"][SNAPSTART_PARAMETER], variant["Conditions"][SNAPSTART_CONDITION]
    for resource in variant["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties.pop("SnapStart", None)
            properties["PackageType"] = "Image"
            properties["ImageUri"] = {"Ref": "ImageUri"}
            properties["ImageConfig"] = {"Command": [properties.pop("Handler")]}
        definition = properties.get("DefinitionUri")
        if resource["Type"] == "AWS::Serverless::StateMachine" and isinstance(definition, str):
            # Relative paths are read from the written template's directory.
            properties["DefinitionUri"] = os.path.relpath(template_dir / definition, out_dir)
    return variant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".build" / "template.image.json")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    variant = image_variant(yaml_parse(TEMPLATE.read_text()), TEMPLATE.parent, out.parent)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(variant, indent=1) + "\n")
    print(out)


if __name__ == "__main__":
    main()
