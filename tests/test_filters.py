"""Every filter operator, and their combination with and / or / not."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.conftest import Client


@pytest.fixture
async def tasks(client: Client) -> dict[str, dict[str, Any]]:
    """Four tasks with distinct values in every filterable column."""
    project = await factories.project(client)
    rows = {}
    for key, fields in {
        "alpha": {
            "priority": "LOW",
            "estimatedMinutes": 10,
            "acceptanceCriteria": ["ui", "api"],
            "metadata": {"team": "web", "size": 1},
            "description": "Alpha work",
        },
        "beta": {
            "priority": "HIGH",
            "estimatedMinutes": 20,
            "acceptanceCriteria": ["api"],
            "metadata": {"team": "core"},
            "description": "beta work",
        },
        "gamma": {
            "priority": "HIGH",
            "estimatedMinutes": 30,
            "acceptanceCriteria": [],
            "metadata": {},
            "description": None,
        },
        "delta": {
            "priority": "CRITICAL",
            "acceptanceCriteria": ["docs"],
            "metadata": {"team": "web"},
            "type": "DOCS",
        },
    }.items():
        rows[key] = await factories.task(client, project["id"], key, key=key, **fields)
    return rows


async def _titles(client: Client, filter_: dict[str, Any]) -> list[str]:
    response = await client.gql(
        "query($f: TaskFilter) { tasks(filter: $f, orderBy: [{field: TITLE}]) "
        "{ nodes { title } } }",
        {"f": filter_},
    )
    return [n["title"] for n in response.ok()["tasks"]["nodes"]]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"title": {"eq": "beta"}}, ["beta"]),
        ({"title": {"ne": "beta"}}, ["alpha", "delta", "gamma"]),
        ({"title": {"in": ["beta", "gamma", "nope"]}}, ["beta", "gamma"]),
        ({"title": {"notIn": ["beta", "gamma"]}}, ["alpha", "delta"]),
        ({"title": {"lt": "beta"}}, ["alpha"]),
        ({"title": {"lte": "beta"}}, ["alpha", "beta"]),
        ({"title": {"gt": "delta"}}, ["gamma"]),
        ({"title": {"gte": "delta"}}, ["delta", "gamma"]),
        ({"description": {"like": "%work"}}, ["alpha", "beta"]),
        ({"description": {"like": "alpha%"}}, []),
        ({"description": {"ilike": "alpha%"}}, ["alpha"]),
        ({"title": {"startsWith": "ga"}}, ["gamma"]),
        ({"description": {"isNull": True}}, ["delta", "gamma"]),
        ({"description": {"isNull": False}}, ["alpha", "beta"]),
        ({"estimatedMinutes": {"gt": 10, "lte": 30}}, ["beta", "gamma"]),
        ({"estimatedMinutes": {"in": [10, 30]}}, ["alpha", "gamma"]),
        ({"estimatedMinutes": {"isNull": True}}, ["delta"]),
        ({"priority": {"eq": "HIGH"}}, ["beta", "gamma"]),
        ({"priority": {"in": ["LOW", "CRITICAL"]}}, ["alpha", "delta"]),
        ({"priority": {"ne": "HIGH"}}, ["alpha", "delta"]),
        ({"type": {"isNull": False}}, ["delta"]),
        ({"acceptanceCriteria": {"contains": ["api"]}}, ["alpha", "beta"]),
        ({"acceptanceCriteria": {"contains": ["api", "ui"]}}, ["alpha"]),
        ({"acceptanceCriteria": {"containedBy": ["api", "docs"]}}, ["beta", "delta", "gamma"]),
        ({"acceptanceCriteria": {"overlaps": ["ui", "docs"]}}, ["alpha", "delta"]),
        ({"metadata": {"contains": {"team": "web"}}}, ["alpha", "delta"]),
        ({"metadata": {"containedBy": {"team": "web"}}}, ["delta", "gamma"]),
        ({"metadata": {"hasKey": "size"}}, ["alpha"]),
        ({"status": {"eq": "PENDING"}}, ["alpha", "beta", "delta", "gamma"]),
        ({"lockedBy": {"isNull": True}}, ["alpha", "beta", "delta", "gamma"]),
    ],
)
async def test_operator(
    client: Client, tasks: dict[str, Any], filter_: dict[str, Any], expected: list[str]
) -> None:
    assert await _titles(client, filter_) == expected


async def test_id_and_datetime_operators(client: Client, tasks: dict[str, Any]) -> None:
    alpha, beta = tasks["alpha"]["id"], tasks["beta"]["id"]
    assert await _titles(client, {"id": {"eq": alpha}}) == ["alpha"]
    assert await _titles(client, {"id": {"in": [alpha, beta]}}) == ["alpha", "beta"]
    assert await _titles(client, {"id": {"notIn": [alpha]}}) == ["beta", "delta", "gamma"]
    response = await client.gql("query($id: ID!) { task(id: $id) { createdAt } }", {"id": beta})
    created = response.ok()["task"]["createdAt"]
    assert await _titles(client, {"createdAt": {"gte": created}}) == ["beta", "delta", "gamma"]
    assert await _titles(client, {"createdAt": {"lt": created}}) == ["alpha"]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"and": [{"priority": {"eq": "HIGH"}}, {"estimatedMinutes": {"gt": 20}}]}, ["gamma"]),
        (
            {"or": [{"title": {"eq": "alpha"}}, {"priority": {"eq": "CRITICAL"}}]},
            ["alpha", "delta"],
        ),
        ({"not": {"priority": {"eq": "HIGH"}}}, ["alpha", "delta"]),
        (
            {"not": {"or": [{"title": {"eq": "alpha"}}, {"title": {"eq": "beta"}}]}},
            ["delta", "gamma"],
        ),
        (
            {
                "priority": {"eq": "HIGH"},
                "or": [{"title": {"eq": "beta"}}, {"title": {"eq": "alpha"}}],
            },
            ["beta"],
        ),
        ({"and": []}, ["alpha", "beta", "delta", "gamma"]),
        ({"or": []}, []),
        ({}, ["alpha", "beta", "delta", "gamma"]),
    ],
)
async def test_logical_combinations(
    client: Client, tasks: dict[str, Any], filter_: dict[str, Any], expected: list[str]
) -> None:
    assert await _titles(client, filter_) == expected


async def test_nested_connection_filter(client: Client, tasks: dict[str, Any]) -> None:
    response = await client.gql(
        "{ projects { nodes { tasks(filter: {priority: {eq: HIGH}}, orderBy: [{field: TITLE}]) "
        "{ totalCount nodes { title } } } } }"
    )
    project = response.ok()["projects"]["nodes"][0]
    assert project["tasks"] == {"totalCount": 2, "nodes": [{"title": "beta"}, {"title": "gamma"}]}


async def test_total_count_follows_filter_not_page(client: Client, tasks: dict[str, Any]) -> None:
    response = await client.gql(
        "{ tasks(first: 1, filter: {priority: {in: [HIGH, LOW]}}) { totalCount nodes { id } } }"
    )
    data = response.ok()["tasks"]
    assert data["totalCount"] == 3
    assert len(data["nodes"]) == 1
