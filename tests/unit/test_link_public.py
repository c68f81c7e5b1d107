"""`LinkPublic.of` stores a link's values without validating them: it must give what
validating them gives, the same model and the same bytes, for every kind of link. The
light front writes the same values by the standard library (`link_json`, a page with
`page_json`, health with `answer_json`): the same bytes as the models'."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from shortstack.adapters.memory.events import MemoryEventPublisher
from shortstack.adapters.memory.links import MemoryLinkRepository
from shortstack.api_config import load_api_settings
from shortstack.config import Settings
from shortstack.domain.link_options import Preview, rule_from
from shortstack.domain.link_routing import RedirectRule, Variant
from shortstack.domain.links import Link
from shortstack.domain.passwords import ScryptCost
from shortstack.entrypoints.http import operations
from shortstack.entrypoints.http.link_values import link_json, link_values, page_json
from shortstack.entrypoints.http.schemas.health import Health
from shortstack.entrypoints.http.schemas.link_public import LinkPublic
from shortstack.entrypoints.lambda_api_front import dump
from shortstack.service_layer.events import PublishingUnitOfWork
from shortstack.service_layer.links import LinksService

NOW = datetime(2026, 11, 24, 9, 15, 42, 123456, tzinfo=UTC)
BASE = "https://sho.rt"


def _created(service: LinksService, **fields: Any) -> Link:
    return service.create("owner-1", url="https://example.com/landing", **fields)


def _service() -> LinksService:
    return _service_on(MemoryLinkRepository())


def _service_on(repository: MemoryLinkRepository) -> LinksService:
    return LinksService(
        repository,
        PublishingUnitOfWork(MemoryEventPublisher()),
        clock=lambda: NOW,
        password_cost=ScryptCost(log2_n=4, r=1, p=1),
    )


def _links() -> list[Link]:
    service = _service()
    plain = _created(service)
    full = _created(
        service,
        alias="every-field",
        title="Summer sale",
        tags=["promo", "Summer"],
        expires_at=NOW + timedelta(days=3),
        max_visits=50,
        redirect_status=307,
        fallback_url="https://example.com/fallback",
        password="correct horse",
        forward_query=True,
        rules=[
            rule_from("https://example.com/ios", device="ios"),
            rule_from("https://example.com/fr", language="fr", country="FR"),
            rule_from("https://example.com/q", query={"utm": "mail", "ref": "x"}),
        ],
        variants=[Variant("https://example.com/a", 3), Variant("https://example.com/b", 1)],
        preview=Preview("A title", "A description", "https://example.com/card.png"),
    )
    return [
        plain,
        full,
        _created(service, ttl_days=1, preview=Preview(title="Only a title")),
        _created(service, never_expires=True),
        _created(service, valid_since=NOW + timedelta(hours=1)),  # scheduled
        replace(plain, is_active=False),  # disabled
        replace(plain, expires_at=NOW - timedelta(seconds=1)),  # expired
        replace(full, click_count=50, bot_count=7, imported_clicks=1234),  # used up
        replace(plain, created_at=datetime(999, 1, 2, 3, 4, 5, 999, tzinfo=UTC)),
        _created(service, title="Café über naïve 日本語 😀👍🏽"),
        replace(plain, tags=("ünï", "🎉")),
        replace(
            full,
            title=ESCAPED,
            tags=(ESCAPED, "</script>", "a/b"),
            url='https://example.com/a?q="x"&p=</b>',
            fallback_url="https://example.com/\u2028",
            rules=(RedirectRule("https://example.com/r", query=(("k\u2029", ESCAPED),)),),
            preview=Preview(ESCAPED, "\x00\x1f\x7f\x80\u00a0", "https://example.com/<i>"),
        ),
        replace(full, preview=Preview(), rules=(), variants=(), tags=()),
    ]


# Every character JSON escapes or might: quotes, backslash, each control character, the
# line and paragraph separators, the solidus, markup.
ESCAPED = "\"\\/<>&'" + "".join(map(chr, range(32))) + "\u2028\u2029\x7f"


def _validated(public: LinkPublic) -> LinkPublic:
    """The same values through Pydantic's validation, nested models included."""
    values = dict(public.__dict__)
    values["rules"] = [dict(rule.__dict__) for rule in public.rules]
    values["variants"] = [dict(variant.__dict__) for variant in public.variants]
    values["preview"] = None if public.preview is None else dict(public.preview.__dict__)
    return LinkPublic.model_validate(values)


@pytest.mark.parametrize("index", range(len(_links())))
def test_of_gives_what_validation_gives(index: int) -> None:
    built = LinkPublic.of(_links()[index], BASE, NOW)
    validated = _validated(built)

    assert built == validated  # values, fields set, nested models alike
    for name in LinkPublic.model_fields:
        assert type(getattr(built, name)) is type(getattr(validated, name)), name
    assert dump(built) == dump(validated)
    assert built.model_dump(mode="json") == validated.model_dump(mode="json")  # as FastAPI sends


@pytest.mark.parametrize("index", range(len(_links())))
def test_the_standard_librarys_bytes_are_pydantics(index: int) -> None:
    link = _links()[index]

    assert (
        link_json(link_values(link, BASE, NOW))
        == LinkPublic.of(link, BASE, NOW).model_dump_json(by_alias=True).encode()
    )


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    title=st.none() | _TEXT,
    tags=st.lists(_TEXT, max_size=3),
    url=_TEXT,
    fallback=st.none() | _TEXT,
    query=st.lists(st.tuples(_TEXT, _TEXT), max_size=3),
    language=st.none() | _TEXT,
    preview=st.none() | st.tuples(st.none() | _TEXT, st.none() | _TEXT, st.none() | _TEXT),
)
def test_any_text_is_written_as_pydantic_writes_it(
    title: str | None,
    tags: list[str],
    url: str,
    fallback: str | None,
    query: list[tuple[str, str]],
    language: str | None,
    preview: tuple[str | None, str | None, str | None] | None,
) -> None:
    link = replace(
        _PLAIN,
        title=title,
        tags=tuple(tags),
        url=url,
        fallback_url=fallback,
        rules=(RedirectRule(url, language=language, query=tuple(query)),),
        variants=(Variant(url, 1),),
        preview=None if preview is None else Preview(*preview),
    )

    assert link_json(link_values(link, BASE, NOW)) == dump(LinkPublic.of(link, BASE, NOW))


_PLAIN = _links()[0]


def test_the_links_cover_every_state() -> None:
    states = {LinkPublic.of(link, BASE, NOW).state for link in _links()}

    assert states == {"active", "disabled", "expired", "used_up", "scheduled"}


# A page as FastAPI writes its response model, list[LinkPublic].
_PAGE = TypeAdapter(list[LinkPublic])


@pytest.mark.parametrize("size", [0, 1, 2, len(_links())])
def test_a_pages_bytes_are_pydantics(size: int) -> None:
    """Empty, one link, and many of every kind (states, options, escapes, non-ASCII)."""
    links = _links()[:size]
    models = [LinkPublic.of(link, BASE, NOW) for link in links]
    written = page_json([link_values(link, BASE, NOW) for link in links])

    assert written == _PAGE.dump_json(models, by_alias=True)
    assert written == b"[" + b",".join(dump(model) for model in models) + b"]"


def test_a_listed_page_is_written_as_fastapi_writes_its_response_models() -> None:
    """list_links_json against the page's LinkPublic models dumped by pydantic-core: every
    page of a listing, with and without a next cursor, with and without a tag filter."""
    repository = MemoryLinkRepository()
    service = _service_on(repository)
    tags = [("promo",), (), ("promo", "sale.2026"), ("other",), ("promo",)]
    for n, (link, tagged) in enumerate(zip(_links(), itertools.cycle(tags), strict=False)):
        repository.add(
            replace(
                link,
                short_id=f"kind-{n}",
                owner="owner-1",
                tags=tagged,
                created_at=NOW - timedelta(minutes=n),
            )
        )
    pages = 0
    for tag in (None, "promo", "sale.2026", "none-such"):
        for limit in (1, 3, 100):
            cursor: str | None = None
            while True:
                listed = service.list("owner-1", tag=tag, limit=limit, cursor=cursor)
                models = [LinkPublic.of(link, BASE, service.clock()) for link in listed.items]
                expected_next = listed.next_cursor
                body, next_cursor = operations.list_links_json(
                    service, "owner-1", BASE, tag=tag, limit=limit, cursor=cursor
                )
                assert body == _PAGE.dump_json(models, by_alias=True)
                assert next_cursor == expected_next
                pages += 1
                if next_cursor is None:
                    break
                cursor = next_cursor
    assert pages > 12  # some listings took more than one page


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"SERVICE_NAME": "links-prod", "VERSION": "2.3.4+build.5"},
        {"SERVICE_NAME": 'Say "hi" \\ a/b </script> \u2028 café 日本 😀', "VERSION": "\t1\x7f"},
    ],
)
def test_healths_bytes_are_pydantics(environment: dict[str, str]) -> None:
    """Health's values come from one function, and both readers' settings write alike."""
    full = Settings.model_validate({k.lower(): v for k, v in environment.items()})
    light = load_api_settings(environment)
    assert light is not None
    model = operations.health(full)

    assert list(operations.health_values(full)) == list(Health.model_fields)
    assert operations.health_json(full) == model.model_dump_json(by_alias=True).encode()
    assert operations.health_json(light) == model.model_dump_json(by_alias=True).encode()


@settings(max_examples=200, deadline=None)
@given(service=_TEXT, version=_TEXT)
def test_any_health_text_is_written_as_pydantic_writes_it(service: str, version: str) -> None:
    full = Settings(service_name=service, version=version)

    assert operations.health_json(full) == dump(operations.health(full))
