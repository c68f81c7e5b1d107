"""Users as the HTTP API reads and writes them (camelCase, as the classic tutorial does)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from shortstack.domain.auth import Via
from shortstack.domain.users import USER_ID_PATTERN, USER_NAME_MAX, User
from shortstack.entrypoints.http.schemas.common import IsoTime, SingleLine, StrictModel

UserId = Annotated[str, Field(pattern=USER_ID_PATTERN, min_length=1, max_length=64)]


class UserCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    user_id: UserId = Field(alias="userId")
    name: Annotated[str, StringConstraints(min_length=1, max_length=USER_NAME_MAX), SingleLine]
    email: Annotated[EmailStr, Field(max_length=254)]


class UserCreated(BaseModel):
    message: str = "User created successfully"
    userId: str  # noqa: N815 - the public contract is camelCase


class UserPublic(BaseModel):
    userId: str  # noqa: N815
    name: str
    email: str
    createdAt: IsoTime  # noqa: N815

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(userId=user.user_id, name=user.name, email=user.email, createdAt=user.created_at)


class Me(BaseModel):
    sub: str = Field(description="who you are: the owner of what you create")
    auth_mode: Literal["none", "jwt"] = Field(description="the server's AUTH_MODE")
    via: Via = Field(
        description="how you were identified: none (AUTH_MODE=none), jwt (a token the app"
        " verified), gateway (claims API Gateway's authorizer verified), api_key"
    )
