"""The services the API Lambda's light front needs, wired without the whole container.

`bootstrap()` builds every service and imports every adapter and use case to do it: a
large part of a cold start that the front's routes (a link, a page of links, a create)
never use. The front gets only the settings, the links service and the authenticator
(`front_services`), on the light settings reader's values (api_config.py) as well as on
Settings; bootstrap() builds those two with the same functions, so that both
ways in serve requests with one wiring of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.target_urls import OwnHosts
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.auth import Authenticator
from shortstack.service_layer.links import LinksService
from shortstack.service_layer.ports import LinkRepository, UnitOfWork

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from shortstack.api_config import ApiSettings
    from shortstack.config import Settings


def links_service(
    settings: Settings | ApiSettings, links: LinkRepository, uow: UnitOfWork, clock: Clock
) -> LinksService:
    return LinksService(
        links,
        uow,
        OwnHosts.of(settings.base_url),
        clock,
        default_ttl_days=settings.default_link_ttl_days or None,
        # DynamoDB commits each write alone: a bulk change sends its links' writes 10 at a
        # time (botocore's connections per client); SQLite takes them in one transaction.
        bulk_workers=10 if settings.storage == "dynamodb" else 1,
    )


def authenticator(settings: Settings | ApiSettings, apikeys: ApiKeysService) -> Authenticator:
    verifier = None
    if settings.auth_mode == "jwt":
        # Only here: AUTH_MODE=none never imports PyJWT's crypto (cold start).
        from shortstack.adapters.jwt_verifier import JwtVerifier

        verifier = JwtVerifier(
            settings.jwt_issuer.strip(),
            settings.jwt_audiences,
            jwks_url=settings.jwt_jwks_url,
            public_key=settings.jwt_public_key,
        )
    return Authenticator(
        mode=settings.auth_mode,
        api_keys=apikeys if settings.api_keys_enabled else None,
        verifier=verifier,
        trust_gateway_claims=settings.trust_gateway_claims,
        issuer=settings.jwt_issuer.strip(),
        audiences=settings.jwt_audiences,
        admin_group=settings.admin_group.strip(),
    )


@dataclass(frozen=True)
class FrontServices:
    """What the light front reads; a Container has the same three."""

    settings: Settings | ApiSettings
    links: LinksService
    auth: Authenticator


def front_services(
    settings: Settings | ApiSettings, client: DynamoDBClient, clock: Clock = utc_now
) -> FrontServices:
    """The front's services on the DynamoDB table, through `client` (the container's too).

    The adapters are those adapters_for (bootstrap/dynamodb.py) builds for the same ports.
    """
    from shortstack.adapters.dynamodb.apikeys import DynamoDBApiKeyRepository
    from shortstack.adapters.dynamodb.links import DynamoDBLinkRepository
    from shortstack.adapters.dynamodb.outbox import StreamUnitOfWork

    table = settings.table_name
    links = DynamoDBLinkRepository(client, table, sweep_pages=settings.maintenance_scan_pages)
    apikeys = ApiKeysService(DynamoDBApiKeyRepository(client, table), clock)
    return FrontServices(
        settings,
        links_service(settings, links, StreamUnitOfWork(), clock),
        authenticator(settings, apikeys),
    )
