"""`make deploy-frontend`: write web/assets/config.js from the outputs, upload web/, invalidate.

    python scripts/deploy_frontend.py --stack shortstack [--region eu-west-1]

assets/config.js is the only thing the page learns about its deployment: when the
stack has a `CognitoDomain`, the hosted UI's domain and the app client id, from the
stack's outputs. The API's base stays empty: one CloudFront distribution serves the
page and the API, so the page calls its own origin, which its CSP allows, whatever
name the distribution answers on (docs/decisions/0404). It never holds a secret.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
NO_CACHE = {"index.html", "assets/config.js"}


def config_js(api_url: str = "", cognito_domain: str = "", cognito_client_id: str = "") -> str:
    """The content of web/assets/config.js for one deployment ("" : the page's own origin)."""
    config = {
        "apiBaseUrl": api_url.rstrip("/"),
        "cognitoDomain": cognito_domain,
        "cognitoClientId": cognito_client_id,
    }
    header = "// Written by make deploy-frontend; no secrets here.\n"
    return f"{header}export default {json.dumps(config, indent=2)};\n"


def config_from_outputs(outputs: dict[str, str]) -> str:
    """config.js for the stack whose outputs these are (sign-in only with CognitoDomain).

    The API is on the page's own origin, so its base is left empty.
    """
    return config_js("", outputs.get("CognitoDomain", ""), outputs.get("CognitoClientId", ""))


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def upload(s3: Any, bucket: str, web_dir: Path) -> list[str]:
    """Upload every file of web_dir with its content type; the keys, sorted."""
    keys = []
    for path in sorted(p for p in web_dir.rglob("*") if p.is_file()):
        key = path.relative_to(web_dir).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            content_type = "text/javascript"
        cache = "no-cache" if key in NO_CACHE else "public, max-age=300"
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type,
            CacheControl=cache,
        )
        keys.append(key)
    return keys


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    """Invalidate everything (the files are few); the invalidation id."""
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"shortstack-{time.time_ns()}",
        },
    )
    return str(answer["Invalidation"]["Id"])


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region")
    args = parser.parse_args()
    session = boto3.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack)
    (WEB / "assets" / "config.js").write_text(config_from_outputs(outputs))
    keys = upload(session.client("s3"), outputs["FrontendBucketName"], WEB)
    invalidation = invalidate(session.client("cloudfront"), outputs["DistributionId"])
    print(f"uploaded {len(keys)} files; invalidation {invalidation}; {outputs['FrontendUrl']}")


if __name__ == "__main__":
    main()
