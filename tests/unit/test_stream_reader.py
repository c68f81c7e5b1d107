"""Reading a dead-lettered batch back from the table's stream: GetRecords may answer an empty
page before the records it still holds (DynamoDB Streams' GetRecords documentation), so a
replay must read on through empty pages to the batch's last record, and must never take a
short read for the whole batch."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from shortstack.adapters.dynamodb.stream_reader import StreamRangeGone, StreamReader

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-12-03T00:00:00.000"


def _record(sequence: int) -> dict[str, Any]:
    return {"eventName": "MODIFY", "dynamodb": {"SequenceNumber": str(sequence)}}


class PagedStream:
    """A streams client whose GetRecords answers the pages given, in order."""

    def __init__(self, pages: list[list[int]], *, closes: bool = False) -> None:
        self.pages = pages
        self.closes = closes
        self.calls = 0
        self._hooks: list[Callable[..., None]] = []
        self.meta = SimpleNamespace(
            events=SimpleNamespace(register=lambda _name, hook: self._hooks.append(hook))
        )

    def get_shard_iterator(self, **_: Any) -> dict[str, str]:
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803
        del Limit
        self.calls += 1
        index = int(ShardIterator)
        page = self.pages[index] if index < len(self.pages) else []
        body = json.dumps({"Records": [_record(n) for n in page]}).encode()
        for hook in self._hooks:
            hook(response_dict={"body": body})
        last_page = index + 1 >= len(self.pages)
        following = None if (self.closes and last_page) else str(index + 1)
        return {"NextShardIterator": following} if following else {}


def _read(stream: PagedStream, first: str, last: str | None) -> list[int]:
    reader = StreamReader(stream)  # type: ignore[arg-type]
    found = reader.records(ARN, "shard-1", first, last)
    return [int(record["dynamodb"]["SequenceNumber"]) for record in found]


def test_a_batch_is_read_on_through_empty_pages_to_its_last_record() -> None:
    stream = PagedStream([[], [], [100, 101], [], [102, 103, 104]])
    assert _read(stream, "100", "103") == [100, 101, 102, 103]


def test_a_batch_whose_last_record_never_comes_is_not_taken_as_read() -> None:
    # An open shard answers empty pages without end: the reader gives up, saying so,
    # rather than hand the replay half a batch (which would then delete the letter).
    stream = PagedStream([[100, 101]] + [[]] * 1000)
    with pytest.raises(StreamRangeGone, match="not all of sequence 100 to 105"):
        _read(stream, "100", "105")
    assert stream.calls < 100  # bounded


def test_a_closed_shard_that_ends_before_the_batch_does_is_a_short_read() -> None:
    stream = PagedStream([[100], [101]], closes=True)
    with pytest.raises(StreamRangeGone, match="not all of sequence 100 to 102"):
        _read(stream, "100", "102")


def test_without_a_last_record_the_newest_is_where_an_empty_page_says_it_is() -> None:
    stream = PagedStream([[100, 101], [], [102]])
    assert _read(stream, "100", None) == [100, 101]
