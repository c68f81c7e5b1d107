"""Layering rules that keep the domain portable and the redirect path light."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shortstack"
FORBIDDEN_IN_DOMAIN = {
    "boto3",
    "botocore",
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_settings",
    "mangum",
}


def imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_neither_boto3_nor_web_frameworks() -> None:
    offenders = {
        str(path.relative_to(SRC)): sorted(imported_top_level_modules(path) & FORBIDDEN_IN_DOMAIN)
        for path in (SRC / "domain").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_service_layer_does_not_import_adapters_or_entrypoints() -> None:
    for path in (SRC / "service_layer").rglob("*.py"):
        source = path.read_text()
        assert "shortstack.adapters" not in source, path
        assert "shortstack.entrypoints" not in source, path
        assert not imported_top_level_modules(path) & FORBIDDEN_IN_DOMAIN, path


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at its top or inside a function, by its full name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_composition_root_does_not_import_entrypoints() -> None:
    """Entrypoints build on bootstrap(), never the other way round: background work that only
    a server runs (the event dispatcher, the maintenance schedule) is built by that server."""
    offenders = {
        str(path.relative_to(SRC)): sorted(
            name for name in imported_modules(path) if name.startswith("shortstack.entrypoints")
        )
        for path in (SRC / "bootstrap").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert not (SRC / "bootstrap.py").exists()


def test_no_lambda_handler_loads_the_local_background_work() -> None:
    """The dispatcher, the schedule and the import thread stand in for SQS, EventBridge
    Scheduler and Step Functions on a laptop: no Lambda may so much as import them."""
    import subprocess
    import sys

    local = [
        "shortstack.entrypoints.local_background",
        "shortstack.entrypoints.local_events",
        "shortstack.entrypoints.local_maintenance",
    ]
    code = (
        "import os, sys, json;"
        "os.environ.update(STORAGE='dynamodb', STAGE='aws', TABLE_NAME='t-t',"
        " AWS_DEFAULT_REGION='eu-west-1', AWS_ACCESS_KEY_ID='x', AWS_SECRET_ACCESS_KEY='x');"
        "import shortstack.entrypoints.lambda_api, shortstack.entrypoints.lambda_events,"
        " shortstack.entrypoints.lambda_maintenance, shortstack.entrypoints.lambda_workflow,"
        " shortstack.entrypoints.lambda_redirect;"
        f"print(json.dumps(sorted(set({local!r}) & set(sys.modules))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_adapter_packages_are_docstring_only() -> None:
    """Every package under adapters/ is its docstring alone; code imports a name from the
    module that defines it. A package that re-exported would load every sibling on first
    import, which the redirect Lambda's cold start cannot afford (decision 0003)."""
    adapters = SRC / "adapters"
    packages = {path.parent for path in adapters.rglob("*.py")}
    assert [p for p in packages if not (p / "__init__.py").exists()] == []
    offenders = []
    for package in sorted(packages):
        body = ast.parse((package / "__init__.py").read_text()).body
        only_a_docstring = (
            len(body) == 1
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        if not only_a_docstring:
            offenders.append(str(package.relative_to(SRC)))
    assert offenders == []


def test_domain_really_imports_without_the_heavy_libraries() -> None:
    """Every domain module, not only the ones a test happens to load."""
    import subprocess
    import sys

    names = sorted(p.stem for p in (SRC / "domain").glob("*.py") if p.stem != "__init__")
    modules = ", ".join(f"shortstack.domain.{name}" for name in names)
    code = (
        f"import sys, {modules};"
        "heavy = {'boto3','fastapi','pydantic','starlette','botocore'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports a module runs when loaded: every one but those under `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) in {
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        }:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_boto3_type_stubs_are_imported_for_the_type_checker_only() -> None:
    """mypy-boto3 is a dev dependency: the Lambda package has none of it, so no module may
    import it at run time (and typing the clients costs the cold start nothing)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in _runtime_imports(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            if any(name.startswith("mypy_boto3") for name in names):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_no_boto3_client_is_typed_any() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "client: Any" in line
    ]
    assert offenders == []
