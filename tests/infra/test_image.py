"""The Lambda container image: its base, its command, what it copies and what it installs.

No Docker engine is needed: these read the Dockerfile, the IaC and uv.lock. `make image`
builds the image where an engine exists; `make lint-image` runs hadolint.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import tomllib
from pathlib import Path

import pytest
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
REQUIREMENTS = ROOT / "infra" / "image" / "requirements.txt"
LAMBDA_PYTHON_ARM64 = "public.ecr.aws/lambda/python:3.12-arm64"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def of(keyword: str) -> list[str]:
    return [rest for name, rest in instructions() if name == keyword]


def test_the_base_is_the_lambda_python_312_image_for_arm64() -> None:
    assert of("FROM") == [LAMBDA_PYTHON_ARM64]


def test_the_default_command_is_the_api_handler() -> None:
    [command] = of("CMD")
    assert json.loads(command) == ["shortstack.entrypoints.lambda_api.handler"]


def handler_paths() -> set[str]:
    """Every handler the SAM template and the Terraform configuration name."""
    template = yaml_parse((ROOT / "infra" / "sam" / "template.yaml").read_text())
    paths = set()
    for resource in template["Resources"].values():
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Serverless::Function":
            if "Handler" in properties:
                paths.add(properties["Handler"])
            paths.update((properties.get("ImageConfig") or {}).get("Command") or [])
    handler = template.get("Globals", {}).get("Function", {}).get("Handler")
    if handler:
        paths.add(handler)
    for tf in (ROOT / "infra" / "terraform").glob("*.tf"):
        paths.update(re.findall(r'"(shortstack\.entrypoints\.[\w.]+\.handler)"', tf.read_text()))
    return paths


def test_the_iac_names_the_four_lambda_entrypoints_at_least() -> None:
    assert {
        "shortstack.entrypoints.lambda_api.handler",
        "shortstack.entrypoints.lambda_redirect.handler",
        "shortstack.entrypoints.lambda_events.handler",
        "shortstack.entrypoints.lambda_workflow.handler",
    } <= handler_paths()


@pytest.mark.parametrize(
    "path", sorted(handler_paths() | {"shortstack.entrypoints.lambda_maintenance.handler"})
)
def test_every_handler_path_resolves_in_the_package_the_image_copies(path: str) -> None:
    """Found without importing: a handler module builds its container at import."""
    module_name, _, function = path.rpartition(".")
    spec = importlib.util.find_spec(module_name)
    assert spec is not None, f"{module_name} is not in the package"
    assert spec.origin is not None
    source = Path(spec.origin)
    assert (ROOT / "src" / "shortstack") in source.parents  # what `COPY src/shortstack` takes
    functions = {
        node.name
        for node in ast.parse(source.read_text()).body
        if isinstance(node, ast.FunctionDef)
    }
    assert function in functions


def test_every_copied_path_exists_and_the_dockerignore_lets_it_in() -> None:
    allowed = [
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    copies = of("COPY")
    assert copies
    for arguments in copies:
        *sources, _destination = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") in allowed, f"{source} is not let into the build context"


def locked_runtime_packages() -> dict[str, str]:
    """The project's runtime dependency closure in uv.lock (no dev groups), name -> version."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages = {package["name"]: package for package in lock["package"]}
    found: dict[str, str] = {}
    pending = [
        (dep["name"], tuple(dep.get("extra", ()))) for dep in packages["shortstack"]["dependencies"]
    ]
    while pending:
        name, extras = pending.pop()
        package = packages[name]
        if name not in found:
            found[name] = package["version"]
            pending.extend(
                (dep["name"], tuple(dep.get("extra", ())))
                for dep in package.get("dependencies", [])
            )
        for extra in extras:
            optional = package.get("optional-dependencies", {}).get(extra, [])
            pending.extend((dep["name"], tuple(dep.get("extra", ()))) for dep in optional)
    return found


def test_the_image_installs_exactly_the_locked_runtime_dependencies() -> None:
    pinned = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", REQUIREMENTS.read_text(), flags=re.M)
    )
    assert pinned == locked_runtime_packages(), "run `make image-requirements` after a lock change"
    assert "--hash=sha256:" in REQUIREMENTS.read_text()  # pip installs them hash-checked
