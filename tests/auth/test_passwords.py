"""Password hashing: argon2id with the cost of the settings, cheap only outside production."""

from typing import Any

import argon2
import pytest
from pydantic import ValidationError

from app.auth.passwords import hash_secret, hasher, verify_secret
from app.config import PASSWORD_HASH_MINIMUMS, Settings
from tests.conftest import TEST_PASSWORD

# What argon2-cffi (and so production) uses unless told otherwise.
PRODUCTION = argon2.PasswordHasher()


def test_new_hashes_use_the_settings_cost_and_are_argon2id() -> None:
    made = argon2.extract_parameters(hash_secret(TEST_PASSWORD))
    # The suite's settings (tests/conftest.py): the cheapest argon2id there is.
    assert (made.type, made.time_cost, made.memory_cost, made.parallelism) == (
        argon2.Type.ID,
        1,
        8,
        1,
    )


def test_a_hash_made_with_other_parameters_still_verifies_and_asks_for_a_rehash() -> None:
    stored = PRODUCTION.hash(TEST_PASSWORD)
    assert verify_secret(stored, TEST_PASSWORD)
    assert not verify_secret(stored, "not the password")
    assert hasher().check_needs_rehash(stored)
    assert not hasher().check_needs_rehash(hash_secret(TEST_PASSWORD))
    assert not verify_secret(None, TEST_PASSWORD)


def test_production_keeps_the_default_cost() -> None:
    assert {name: Settings.model_fields[name].default for name in PASSWORD_HASH_MINIMUMS} == {
        "password_hash_time_cost": PRODUCTION.time_cost,
        "password_hash_memory_cost": PRODUCTION.memory_cost,
        "password_hash_parallelism": PRODUCTION.parallelism,
    }


@pytest.mark.parametrize("name", PASSWORD_HASH_MINIMUMS)
def test_production_refuses_a_cheaper_hash_that_development_and_test_accept(name: str) -> None:
    least = PASSWORD_HASH_MINIMUMS[name]
    cheaper: dict[str, Any] = dict(PASSWORD_HASH_MINIMUMS) | {name: least - 1}
    with pytest.raises(ValidationError) as refused:
        Settings(env="production", **cheaper)
    (error,) = refused.value.errors()
    assert error["loc"] == (name,)
    assert f"at least {least} in production" in error["msg"]
    for env in ("development", "test"):
        assert getattr(Settings(env=env, **cheaper), name) == cheaper[name]


def test_memory_must_cover_every_lane() -> None:
    with pytest.raises(ValidationError, match="at least 8 \\(KiB\\) per lane"):
        Settings(env="test", password_hash_memory_cost=8, password_hash_parallelism=2)
