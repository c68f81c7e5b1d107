"""Users: /api/v1/users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from shortstack.domain.users import USER_ID_PATTERN
from shortstack.entrypoints.http.deps import UsersDep
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses
from shortstack.entrypoints.http.schemas.users import UserCreate, UserCreated, UserPublic

router = APIRouter(prefix="/api/v1/users", tags=["users"])

UserIdPath = Annotated[str, Path(pattern=USER_ID_PATTERN, max_length=64)]
NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "no such user"}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserCreated,
    responses={
        409: {"model": ErrorBody, "description": "userId or email already taken"},
        422: {"model": ErrorBody, "description": "invalid body"},
    },
)
async def create_user(body: UserCreate, users: UsersDep) -> UserCreated:
    """Register a user; 409 when the userId or the e-mail (case-insensitive) exists."""
    user = users.register(user_id=body.user_id, name=body.name, email=str(body.email))
    return UserCreated(userId=user.user_id)


@router.get("/{user_id}", response_model=UserPublic, responses=NOT_FOUND)
async def get_user(user_id: UserIdPath, users: UsersDep) -> UserPublic:
    """One user."""
    return UserPublic.of(users.get(user_id))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_user(user_id: UserIdPath, users: UsersDep) -> Response:
    """Delete a user; 204 with no body."""
    users.delete(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
