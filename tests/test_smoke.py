"""The server answers over real HTTP with real data."""

from tests import factories
from tests.conftest import Client


async def test_create_and_read_back_a_project(client: Client) -> None:
    created = await factories.project(client, "apollo", description="moon")
    response = await client.gql(
        "query($id: ID!) { project(id: $id) { name description } }", {"id": created["id"]}
    )
    assert response.ok() == {"project": {"name": "apollo", "description": "moon"}}
