"""How a link is stored in the single table: the TTL that lets DynamoDB drop it later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.links import link_record, storage_expiry
from shortstack.domain.links import create_link

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_storage_expiry_keeps_expired_links_30_more_days() -> None:
    assert storage_expiry(None) is None
    assert storage_expiry(NOW) == int((NOW + timedelta(days=30)).timestamp())


def test_a_link_record_carries_its_storage_expiry_as_the_ttl_attribute() -> None:
    expires = NOW + timedelta(days=2)
    link = create_link(
        short_id="abc1234", owner="o", url="https://e.x/", now=NOW, expires_at=expires
    )
    assert link_record(link)[keys.TTL_ATTRIBUTE] == int((expires + timedelta(days=30)).timestamp())
