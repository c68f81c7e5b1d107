"""Domain exceptions; the HTTP edge maps each one to a status in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error a use case raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The resource does not exist, or belongs to someone else."""


class Conflict(DomainError):
    """A uniqueness rule would be broken."""


class Gone(DomainError):
    """The resource existed but can no longer be used (expired, disabled)."""


class PreconditionFailed(DomainError):
    """An If-Match that the stored record no longer answers to (someone changed it since), or
    an If-None-Match that it still does (`unchanged`)."""

    def __init__(
        self, what: str, current_tag: str | None = None, *, unchanged: bool = False
    ) -> None:
        if unchanged:  # If-None-Match named the version it still has (or was "*")
            now = f" {current_tag}" if current_tag else ""
            message = (
                f"{what} exists and If-None-Match is * or names its version{now}: nothing changed"
            )
        else:
            now = f" (its ETag is now {current_tag})" if current_tag else ""
            message = (
                f"{what} changed since you read it{now}: read it again, then resend the change"
            )
        super().__init__(message)
        self.what, self.current_tag, self.unchanged = what, current_tag, unchanged

    def naming(self, current_tag: str) -> PreconditionFailed:
        """The same refusal naming another current tag (a link's answer's, which its store
        does not know: decision 0004)."""
        return PreconditionFailed(self.what, current_tag, unchanged=self.unchanged)


class MalformedPrecondition(DomainError):
    """An If-Match header that is not "*" nor a list of entity tags."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a domain rule."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PageTooLarge(InvalidInput):
    """A numbered page whose answer would pass what one response may carry; `fits` is the
    largest `limit` under which this page would not."""

    def __init__(self, message: str, fits: int) -> None:
        super().__init__(message, field="limit")
        self.fits = fits


class InvalidCursor(InvalidInput):
    """A pagination cursor that this service did not hand out."""

    def __init__(self) -> None:
        super().__init__("invalid pagination cursor", field="cursor")


class ItemNotFound(NotFound):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id!r} not found")


class UserNotFound(NotFound):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"user {user_id!r} not found")


class UserIdTaken(Conflict):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"a user with userId {user_id!r} already exists")


class EmailTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("a user with this email already exists")


class LinkNotFound(NotFound):
    def __init__(self, short_id: str) -> None:
        super().__init__(f"short link {short_id!r} not found")
        self.short_id = short_id


class LinkGone(Gone):
    """The link exists but may not redirect: disabled, expired or out of visits.

    `fallback_url` is where the link's owner sends visitors instead, if anywhere.
    """

    def __init__(self, short_id: str, reason: str, fallback_url: str | None = None) -> None:
        super().__init__(reason)
        self.short_id = short_id
        self.reason = reason
        self.fallback_url = fallback_url


class LinkNotYetValid(LinkNotFound):
    """The link exists but its `valid_since` has not come: to visitors it is not there yet."""

    def __init__(self, short_id: str, fallback_url: str | None = None) -> None:
        super().__init__(short_id)
        self.message = f"short link {short_id!r} is not valid yet"
        self.args = (self.message,)
        self.fallback_url = fallback_url


class PasswordRequired(DomainError):
    """The link has a password and the visit brought none (or the wrong one)."""

    def __init__(self, short_id: str, wrong: bool = False) -> None:
        super().__init__("wrong password" if wrong else "this link needs a password")
        self.short_id = short_id
        self.wrong = wrong


class NoPassword(DomainError):
    """A password was sent to a link that has none: it is followed with GET."""

    def __init__(self, short_id: str) -> None:
        super().__init__(f"short link {short_id!r} has no password; follow it with GET")
        self.short_id = short_id


class TooManyAttempts(DomainError):
    """Too many wrong passwords for one link from one client; try again after a while."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many wrong passwords; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class ShortIdTaken(Conflict):
    """A storage-level outcome: the id is in use. Use cases turn it into a retry or AliasTaken."""

    def __init__(self, short_id: str) -> None:
        super().__init__(f"short id {short_id!r} is already in use")
        self.short_id = short_id


class AliasTaken(Conflict):
    def __init__(self, alias: str) -> None:
        super().__init__(f"alias {alias!r} is already taken")


class UnsafeUrl(InvalidInput):
    """A target URL the shortener refuses; the message names the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="url")


class ImportNotFound(NotFound):
    def __init__(self, import_id: str) -> None:
        super().__init__(f"import {import_id!r} not found")


class ImportAlreadyUploaded(Conflict):
    """A second file for an import that has its file (or whose upload ended)."""

    def __init__(self, import_id: str, status: str) -> None:
        super().__init__(f"import {import_id!r} takes no more files (it is {status})")


class DeadLetterNotFound(NotFound):
    def __init__(self, letter_id: str) -> None:
        super().__init__(f"no dead letter has the id {letter_id!r}")


class TooLarge(DomainError):
    """A body or file over the size its destination accepts."""


class ServiceUnavailable(DomainError):
    """A dependency the request needs is missing or down; retrying later may work."""


class Unauthenticated(DomainError):
    """No usable credentials: no token, or one that must not be trusted (the message says why).

    `invalid_token` is False when no credentials were sent at all: RFC 6750 then wants a
    bare challenge, without an error code.
    """

    def __init__(self, message: str, *, invalid_token: bool = True) -> None:
        super().__init__(message)
        self.invalid_token = invalid_token


class Forbidden(DomainError):
    """The caller is known but may not do this (and the resource's existence is no secret)."""


class ApiKeysTurnedOff(Forbidden):
    """Key creation where keys do not authenticate: a secret minted then would start working,
    wherever it was pasted, the day the setting is turned on."""

    def __init__(self) -> None:
        super().__init__(
            "API keys are turned off on this deployment (API_KEYS_ENABLED=false): a key would "
            "never authenticate; use a token from the identity provider"
        )


class InsufficientRights(Forbidden):
    """A caller who sent credentials (a token or an API key) whose rights do not cover this
    request: RFC 6750's `insufficient_scope`, which the 403's challenge names."""
