"""Link passwords: salted scrypt hashes in a self-describing form, checked in constant time."""

from __future__ import annotations

import pytest

from shortstack.domain.errors import InvalidInput
from shortstack.domain.passwords import (
    DEFAULT_COST,
    ScryptCost,
    check_password,
    hash_password,
    verify_password,
)

CHEAP = ScryptCost(log2_n=4, r=1, p=1)  # the format and the checks, without the wait


def test_a_hash_verifies_its_password_and_nothing_else() -> None:
    stored = hash_password("correct horse", CHEAP)
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)
    assert not verify_password("correct horse ", stored)
    assert "correct horse" not in stored


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password("same pass", CHEAP) != hash_password("same pass", CHEAP)


def test_the_stored_form_names_its_cost_so_old_hashes_keep_verifying() -> None:
    stored = hash_password("sesame", CHEAP)
    assert stored.startswith("scrypt$4$1$1$")
    assert verify_password("sesame", stored)


def test_the_default_cost_is_scrypt_with_16_mib() -> None:
    stored = hash_password("sesame")
    assert stored.startswith(f"scrypt${DEFAULT_COST.log2_n}$8$1$")
    assert 128 * DEFAULT_COST.r * 2**DEFAULT_COST.log2_n == 16 * 1024 * 1024
    assert verify_password("sesame", stored)


def test_the_same_characters_typed_differently_verify() -> None:
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in "pass123")
    stored = hash_password(full_width, CHEAP)
    assert verify_password("pass123", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "scrypt$4$1$1$salt",
        "bcrypt$4$1$1$c2FsdA$a2V5",
        "scrypt$x$1$1$c2FsdA$a2V5",
        "scrypt$30$8$1$c2FsdA$a2V5",  # a cost nobody set: refused, not computed
        "scrypt$4$1$1$!!$??",
    ],
)
def test_a_malformed_stored_hash_verifies_nothing(stored: str) -> None:
    assert verify_password("anything", stored) is False


@pytest.mark.parametrize(
    ("password", "reason"),
    [("abc", "4-128"), ("x" * 129, "4-128"), ("tab\there", "control"), ("nul\x00x", "control")],
)
def test_unusable_passwords_are_refused_naming_the_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        check_password(password)
    assert caught.value.field == "password"


def test_spaces_and_unicode_are_part_of_a_password() -> None:
    assert check_password("  pass word  ") == "  pass word  "
    assert verify_password("mot de passe é", hash_password("mot de passe é", CHEAP))
