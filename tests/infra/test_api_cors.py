"""The HTTP API's CORS lets a page on another origin do what the app allows it locally.

With a CORS configuration, API Gateway answers preflights itself and ignores the CORS
headers the function returns: what a page on another origin (FrontendOrigins) may send
and read is the template's list alone. The web app sends If-Match and reads the ETag on
every edit (0004), the links' total from X-Total-Count: lists shorter than the app's
made those guards and counts vanish behind API Gateway while they work locally.
"""

from __future__ import annotations

from shortstack.entrypoints.http.answer_parts import ALLOWED_REQUEST_HEADERS, EXPOSED_HEADERS

from .sam_offline import source_template
from .test_terraform import load_config, resources


def lower(names: list[str]) -> set[str]:
    return {name.lower() for name in names}


def test_sam_allows_and_exposes_every_header_the_app_does() -> None:
    cors = source_template()["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    assert set(ALLOWED_REQUEST_HEADERS) <= lower(cors["AllowHeaders"])
    assert set(EXPOSED_HEADERS) <= lower(cors["ExposeHeaders"])


def test_terraform_allows_and_exposes_the_same() -> None:
    [cors] = resources(load_config())["aws_apigatewayv2_api.http_api"]["cors_configuration"]
    assert set(ALLOWED_REQUEST_HEADERS) <= lower(cors["allow_headers"])
    assert set(EXPOSED_HEADERS) <= lower(cors["expose_headers"])
