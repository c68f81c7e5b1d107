"""Users in the single table; a transaction writes the user and an e-mail guard together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attribute, to_attributes
from shortstack.adapters.dynamodb.errors import cancellation_codes, error_code
from shortstack.adapters.dynamodb.owned import Listing, list_newest_first
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict, EmailTaken, UserIdTaken
from shortstack.domain.pagination import Page
from shortstack.domain.users import User, listing_position, normalize_email

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENTITY = "user"
_DELETE_ATTEMPTS = 3


class DynamoDBUserRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, user: User) -> None:
        email_key = keys.user_email_key(normalize_email(user.email))
        record = {
            **keys.user_key(user.user_id),
            "entity": ENTITY,
            "user_id": user.user_id,
            "name": user.name,
            "email": user.email,
            "created_at": to_iso(user.created_at),
            keys.GSI2PK: keys.ALL_USERS,
            keys.GSI2SK: listing_position(user),
        }
        guard = {**email_key, "entity": "user_email", "user_id": user.user_id}
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_attributes(record),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_attributes(guard),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            codes = cancellation_codes(exc)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise UserIdTaken(user.user_id) from exc
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise EmailTaken() from exc
            raise

    def get(self, user_id: str) -> User | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_attributes(keys.user_key(user_id)), ConsistentRead=True
        )
        raw = response.get("Item")
        return None if raw is None else _user(raw)

    def list(self, *, limit: int, cursor: str | None) -> Page[User]:
        listing = Listing(
            index=keys.GSI2,
            partition=keys.ALL_USERS,
            key_of=keys.user_key,
            parse=_user,
            position_of=listing_position,
        )
        return list_newest_first(self._client, self._table, listing, limit, cursor)

    def delete(self, user_id: str) -> bool:
        # Read the e-mail, then delete user and guard in one transaction that
        # checks nothing changed in between; retry if a racing write got there first.
        for _ in range(_DELETE_ATTEMPTS):
            user = self.get(user_id)
            if user is None:
                return False
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Delete": {
                                "TableName": self._table,
                                "Key": to_attributes(keys.user_key(user_id)),
                                "ConditionExpression": "attribute_exists(PK) AND email = :email",
                                "ExpressionAttributeValues": {":email": to_attribute(user.email)},
                            }
                        },
                        {
                            "Delete": {
                                "TableName": self._table,
                                "Key": to_attributes(
                                    keys.user_email_key(normalize_email(user.email))
                                ),
                                "ConditionExpression": "user_id = :uid",
                                "ExpressionAttributeValues": {":uid": to_attribute(user_id)},
                            }
                        },
                    ]
                )
            except ClientError as exc:
                if error_code(exc) == "TransactionCanceledException":
                    continue
                raise
            return True
        raise Conflict(f"user {user_id!r} changed during the delete; try again")


def _user(raw: dict[str, Any]) -> User:
    values = from_attributes(raw)
    return User(
        user_id=values["user_id"],
        name=values["name"],
        email=values["email"],
        created_at=from_iso(values["created_at"]),
    )
