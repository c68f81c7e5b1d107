"""API keys as the HTTP API shows them: the secret only in the answer to a create."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shortstack.domain.apikeys import NAME_MAX, ApiKey
from shortstack.entrypoints.http.schemas.common import IsoTime, SingleLine, StrictModel

KeyName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX), SingleLine]


class ApiKeyCreate(StrictModel):
    name: KeyName


class ApiKeyPublic(BaseModel):
    key_id: str
    name: str
    hint: str = Field(description="the first characters of the key, to tell keys apart")
    created_at: IsoTime
    last_used_at: IsoTime | None = Field(
        description="when the key last authenticated a request (to the hour); null: never"
    )

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyPublic:
        return cls(
            key_id=key.key_id,
            name=key.name,
            hint=key.hint,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
        )


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="the key itself: shown this once, never stored")
