"""Sign-in attempts are limited per client address, whatever email they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aura.config import Settings
from tests.conftest import JWT_SECRET, Client
from tests.test_signin import sign_in


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path,
        jwt_secret=JWT_SECRET,
        pool_min_size=1,
        pool_max_size=5,
        seed_demo=False,
        sign_in_per_minute=3,
    )


async def test_sign_in_attempts_are_limited_per_address(http):
    client = Client(http)
    answers = [
        (await sign_in(client, f"user{i}@example.com", "bad password")).codes for i in range(4)
    ]
    assert answers[:3] == [["UNAUTHENTICATED"]] * 3
    assert answers[3] == ["RATE_LIMITED"]
    # the limit is the address's: the other endpoints of the address are not affected
    assert (await client.gql("{ __typename }")).ok() == {"__typename": "Query"}
