"""Batches of JSON-array requests: off by default, bounded by AURA_BATCH_MAX when on.

Each operation of a batch is admitted on its own (its errors are its own), runs in its
own transaction (one that fails undoes nothing of the others) and takes its own token
of the rate limit.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from aura.config import Settings
from tests.conftest import People

CREATE = "mutation($n: String!) { createProject(input: {name: $n}) { name } }"


def auth(people: People) -> dict[str, str]:
    return {"authorization": f"Bearer {people.alice.token}"}


async def test_batches_are_refused_unless_turned_on(
    http: httpx.AsyncClient, people: People
) -> None:
    response = await http.post("/graphql", json=[{"query": "{ __typename }"}], headers=auth(people))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "AURA_BATCH_MAX" in error["message"]


class TestBatching:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, batch_max=3)

    async def test_each_operation_is_admitted_and_committed_on_its_own(
        self, http: httpx.AsyncClient, people: People
    ) -> None:
        batch = [
            {"query": CREATE, "variables": {"n": "kept"}},
            {"query": "{ nope }"},  # refused by validation: only this one
            {"query": CREATE, "variables": {"n": None}},  # fails: undoes only itself
        ]
        response = await http.post("/graphql", json=batch, headers=auth(people))
        assert response.status_code == 200
        first, second, third = response.json()
        assert first == {"data": {"createProject": {"name": "kept"}}}
        assert second["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert third["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        names = await http.post(
            "/graphql", json={"query": "{ projects { nodes { name } } }"}, headers=auth(people)
        )
        assert names.json()["data"]["projects"]["nodes"] == [{"name": "kept"}]

    async def test_a_batch_above_the_limit_is_refused_whole(
        self, http: httpx.AsyncClient, people: People
    ) -> None:
        batch = [{"query": CREATE, "variables": {"n": f"p{i}"}} for i in range(4)]
        response = await http.post("/graphql", json=batch, headers=auth(people))
        assert response.status_code == 400
        assert "limit of 3" in response.json()["errors"][0]["message"]
        empty = await http.post("/graphql", json=[], headers=auth(people))
        assert empty.status_code == 400
        projects = await http.post(
            "/graphql", json={"query": "{ projects { totalCount } }"}, headers=auth(people)
        )
        assert projects.json()["data"]["projects"]["totalCount"] == 0


class TestBatchRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, batch_max=5, rate_limit_per_minute=3)

    async def test_every_operation_takes_a_token(
        self, http: httpx.AsyncClient, people: People
    ) -> None:
        batch = [{"query": "{ __typename }"} for _ in range(5)]
        response = await http.post("/graphql", json=batch, headers=auth(people))
        results = response.json()
        assert [r.get("data") for r in results[:3]] == [{"__typename": "Query"}] * 3
        assert [r["errors"][0]["extensions"]["code"] for r in results[3:]] == ["RATE_LIMITED"] * 2
