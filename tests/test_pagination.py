"""Ordering and cursor pagination, forwards and backwards, at the root and nested."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $order: [TaskOrderBy!]) {
  tasks(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    nodes { title }
    edges { cursor node { title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@pytest.fixture
async def project_with_tasks(client: Client) -> dict[str, Any]:
    project = await factories.project(client)
    # estimates repeat and include nulls, so ordering needs the tie-breaker and null rules
    for i, minutes in enumerate([30, 10, None, 20, 10, None, 40, 20, 30, 10]):
        await factories.task(client, project["id"], f"t{i:02d}", estimatedMinutes=minutes)
    return project


async def _page(client: Client, **variables: Any) -> dict[str, Any]:
    response = await client.gql(PAGE, variables)
    return response.ok()["tasks"]  # type: ignore[no-any-return]


async def _walk(
    client: Client, order: list[dict[str, str]], size: int, backward: bool = False
) -> list[str]:
    titles: list[str] = []
    cursor = None
    while True:
        if backward:
            page = await _page(client, last=size, before=cursor, order=order)
            titles = [n["title"] for n in page["nodes"]] + titles
            if not page["pageInfo"]["hasPreviousPage"]:
                return titles
            cursor = page["pageInfo"]["startCursor"]
        else:
            page = await _page(client, first=size, after=cursor, order=order)
            titles += [n["title"] for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                return titles
            cursor = page["pageInfo"]["endCursor"]


ORDERS = [
    [{"field": "TITLE"}],
    [{"field": "TITLE", "direction": "DESC"}],
    [{"field": "ESTIMATED_MINUTES"}],
    [{"field": "ESTIMATED_MINUTES", "direction": "DESC"}],
    [{"field": "ESTIMATED_MINUTES", "direction": "DESC"}, {"field": "TITLE"}],
    [{"field": "ESTIMATED_MINUTES"}, {"field": "TITLE", "direction": "DESC"}],
]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("size", [1, 3, 4])
async def test_pages_cover_the_whole_ordering(
    client: Client, project_with_tasks: Any, order: list[dict[str, str]], size: int
) -> None:
    everything = [n["title"] for n in (await _page(client, first=100, order=order))["nodes"]]
    assert len(everything) == 10
    assert await _walk(client, order, size) == everything
    assert await _walk(client, order, size, backward=True) == everything


async def test_nulls_sort_last_both_ways(client: Client, project_with_tasks: Any) -> None:
    for direction in ("ASC", "DESC"):
        page = await _page(
            client,
            first=100,
            order=[{"field": "ESTIMATED_MINUTES", "direction": direction}, {"field": "TITLE"}],
        )
        assert [n["title"] for n in page["nodes"]][-2:] == ["t02", "t05"]


async def test_ascending_and_descending_orders(client: Client, project_with_tasks: Any) -> None:
    up = await _page(client, first=100, order=[{"field": "ESTIMATED_MINUTES"}, {"field": "TITLE"}])
    assert [n["title"] for n in up["nodes"]] == [
        "t01",
        "t04",
        "t09",
        "t03",
        "t07",
        "t00",
        "t08",
        "t06",
        "t02",
        "t05",
    ]
    down = await _page(client, first=100, order=[{"field": "TITLE", "direction": "DESC"}])
    assert [n["title"] for n in down["nodes"]][:3] == ["t09", "t08", "t07"]


async def test_cursors_are_stable_when_rows_are_inserted(
    client: Client, project_with_tasks: Any
) -> None:
    order = [{"field": "TITLE"}]
    first = await _page(client, first=3, order=order)
    assert [n["title"] for n in first["nodes"]] == ["t00", "t01", "t02"]
    # rows appear before and after the cursor
    await factories.task(client, project_with_tasks["id"], "t00a")
    await factories.task(client, project_with_tasks["id"], "t05a")
    second = await _page(client, first=3, after=first["pageInfo"]["endCursor"], order=order)
    assert [n["title"] for n in second["nodes"]] == ["t03", "t04", "t05"]
    assert second["pageInfo"]["hasPreviousPage"] is True


async def test_edges_carry_cursors_usable_as_after(client: Client, project_with_tasks: Any) -> None:
    page = await _page(client, first=4, order=[{"field": "TITLE"}])
    edge = page["edges"][1]
    assert edge["node"]["title"] == "t01"
    following = await _page(client, first=2, after=edge["cursor"], order=[{"field": "TITLE"}])
    assert [n["title"] for n in following["nodes"]] == ["t02", "t03"]


async def test_default_page_size_and_empty_pages(
    client: Client, project_with_tasks: Any, db: asyncpg.Connection
) -> None:
    everything = await _page(client)
    assert len(everything["nodes"]) == 10
    empty = await _page(client, first=0)
    assert empty["nodes"] == []
    assert empty["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def test_nested_pagination_per_parent(client: Client) -> None:
    for name in ("one", "two"):
        project = await factories.project(client, name)
        for i in range(5):
            await factories.task(client, project["id"], f"{name}-{i}")
    response = await client.gql(
        "{ projects(orderBy: [{field: NAME}]) { nodes { name tasks(first: 2, orderBy: "
        "[{field: TITLE, direction: DESC}]) { totalCount nodes { title } "
        "pageInfo { hasNextPage endCursor } } } } }"
    )
    projects = response.ok()["projects"]["nodes"]
    assert [[t["title"] for t in p["tasks"]["nodes"]] for p in projects] == [
        ["one-4", "one-3"],
        ["two-4", "two-3"],
    ]
    assert all(p["tasks"]["totalCount"] == 5 for p in projects)
    assert all(p["tasks"]["pageInfo"]["hasNextPage"] for p in projects)
    cursor = projects[0]["tasks"]["pageInfo"]["endCursor"]
    following = await client.gql(
        'query($after: String) { projects(filter: {name: {eq: "one"}}) { nodes { '
        "tasks(first: 10, after: $after, orderBy: [{field: TITLE, direction: DESC}]) "
        "{ nodes { title } pageInfo { hasNextPage } } } } }",
        {"after": cursor},
    )
    tasks = following.ok()["projects"]["nodes"][0]["tasks"]
    assert [t["title"] for t in tasks["nodes"]] == ["one-2", "one-1", "one-0"]
    assert tasks["pageInfo"]["hasNextPage"] is False
