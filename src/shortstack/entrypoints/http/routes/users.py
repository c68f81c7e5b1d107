"""Users: /api/v1/users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from starlette.convertors import StringConvertor, register_url_convertor

from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shortstack.domain.users import USER_ID_PATTERN
from shortstack.entrypoints.http.deps import CallerDep, ContainerDep, UsersDep
from shortstack.entrypoints.http.pagination import add_next_page_headers
from shortstack.entrypoints.http.schemas.common import ErrorBody, Responses, leads_to
from shortstack.entrypoints.http.schemas.users import Me, UserCreate, UserCreated, UserPublic

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserIdConvertor(StringConvertor):
    """Any segment but `me`, so /api/v1/users/me is only the caller's own route
    (otherwise DELETE /users/me would route to "delete user me" and the 405s lie)."""

    regex = "(?!me$)[^/]+"


register_url_convertor("user_id", UserIdConvertor())

UserIdPath = Annotated[str, Path(pattern=USER_ID_PATTERN, max_length=64)]
NOT_FOUND: Responses = {
    404: {
        "model": ErrorBody,
        "description": "no such user (or, with AUTH_MODE=jwt, not you nor, to read, an admin)",
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserCreated,
    responses={
        201: leads_to(
            "userId",
            "user_id",
            GetUser=("get_user_api_v1_users__user_id__get", "the user just registered"),
            DeleteUser=("delete_user_api_v1_users__user_id__delete", "remove that user"),
        ),
        403: {"model": ErrorBody, "description": "with AUTH_MODE=jwt, a userId not your own"},
        409: {"model": ErrorBody, "description": "userId or email already taken"},
        422: {"model": ErrorBody, "description": "invalid body"},
    },
)
async def create_user(body: UserCreate, caller: CallerDep, users: UsersDep) -> UserCreated:
    """Register a user; 409 when the userId or the e-mail (case-insensitive) exists.

    With real identities (AUTH_MODE=jwt, API keys) you register yourself: userId = your sub.
    """
    user = users.register(
        user_id=body.user_id, name=body.name, email=str(body.email), caller=caller
    )
    return UserCreated(userId=user.user_id)


@router.get(
    "",
    response_model=list[UserPublic],
    responses={400: {"model": ErrorBody, "description": "invalid cursor"}},
)
async def list_users(
    request: Request,
    response: Response,
    caller: CallerDep,
    users: UsersDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> list[UserPublic]:
    """The user directory, newest first. Everyone in AUTH_MODE=none; with real identities
    only yourself, unless you are in the ADMIN_GROUP setting's group (cognito:groups)."""
    page = users.list(caller, limit=limit, cursor=cursor)
    add_next_page_headers(request, response, page.next_cursor, limit, {})
    return [UserPublic.of(user) for user in page.items]


@router.get("/me", response_model=Me)
async def who_am_i(caller: CallerDep, container: ContainerDep) -> Me:
    """The caller: `local` in AUTH_MODE=none, else the token's or API key's subject."""
    return Me(sub=caller.sub, auth_mode=container.settings.auth_mode, via=caller.via)


@router.get("/{user_id:user_id}", response_model=UserPublic, responses=NOT_FOUND)
async def get_user(user_id: UserIdPath, caller: CallerDep, users: UsersDep) -> UserPublic:
    """One user (with AUTH_MODE=jwt, only yourself, or anyone for an ADMIN_GROUP member)."""
    return UserPublic.of(users.get(user_id, caller=caller))


@router.delete(
    "/{user_id:user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "the user changed during the delete; retry"},
    },
)
async def delete_user(user_id: UserIdPath, caller: CallerDep, users: UsersDep) -> Response:
    """Delete a user; 204 with no body (with AUTH_MODE=jwt, only yourself)."""
    users.delete(user_id, caller=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
