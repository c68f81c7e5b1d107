"""What can be tested of packaging and deploying without AWS: the zip, the frontend upload."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[2]


def load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_zip_is_deterministic_and_leaves_caches_out(tmp_path: Path) -> None:
    package = load_script("package_lambda")
    source = tmp_path / "lambda"
    (source / "shortstack" / "__pycache__").mkdir(parents=True)
    (source / "shortstack" / "__init__.py").write_text("")
    (source / "shortstack" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (source / "dep-1.0.dist-info").mkdir()
    (source / "dep-1.0.dist-info" / "RECORD").write_text("x")
    (source / "dep-1.0.dist-info" / "METADATA").write_text("Name: dep")
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    package.write_zip(source, first)
    (source / "shortstack" / "__init__.py").touch()  # a new mtime changes nothing
    package.write_zip(source, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        # The dist-info directories stay: the crawler index reads the list's version there.
        assert archive.namelist() == ["dep-1.0.dist-info/METADATA", "shortstack/__init__.py"]


def test_runtime_requirements_leave_out_what_lambda_provides() -> None:
    package = load_script("package_lambda")
    uv = Path.home() / ".local" / "bin" / "uv"
    requirements = package.runtime_requirements(str(uv if uv.exists() else "uv"))
    names = {line.split("==")[0].lower() for line in requirements}
    assert {"fastapi", "mangum", "aws-lambda-powertools", "pyjwt"} <= names
    assert not names & {"boto3", "botocore", "pytest", "moto", "ruff"}
    # The local server (the `serve` extra) is not Lambda's: no function imports it.
    assert not names & {"uvicorn", "httptools", "uvloop", "h11", "click", "granian"}


def test_deploy_refuses_without_the_sam_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "deploy.sh")],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "SAM CLI" in result.stderr


def test_deploy_frontend_writes_config_uploads_with_types_and_invalidates(
    moto_dynamodb: Any, tmp_path: Path
) -> None:
    deploy = load_script("deploy_frontend")
    # The stack's outputs as a default deploy gives them: the API is the page's own origin.
    config = deploy.config_from_outputs(
        {"ApiUrl": "https://d111111abcdef8.cloudfront.net", "HttpApiUrl": "https://abc.x"}
    )
    assert config.startswith("// Written by make deploy-frontend")
    body = json.loads(config.split("export default ", 1)[1].rstrip(";\n"))
    assert body == {"apiBaseUrl": "", "cognitoDomain": "", "cognitoClientId": ""}
    pointed = deploy.config_js("https://api.example.com/")
    assert '"apiBaseUrl": "https://api.example.com"' in pointed
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html>")
    (web / "assets" / "config.js").write_text(config)
    (web / "assets" / "app.css").write_text("body{}")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="frontend")
    keys = deploy.upload(s3, "frontend", web)
    assert keys == ["assets/app.css", "assets/config.js", "index.html"]
    head = s3.head_object(Bucket="frontend", Key="assets/config.js")
    assert head["ContentType"] == "text/javascript"
    assert head["CacheControl"] == "no-cache"
    assert s3.head_object(Bucket="frontend", Key="assets/app.css")["ContentType"] == "text/css"
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "t",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "frontend",
                        "DomainName": "frontend.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "frontend",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]["Id"]
    assert deploy.invalidate(cloudfront, distribution)
