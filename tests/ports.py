"""Given-steps of the ports tests: ranges, allocations and reservations through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client, Response

ALLOCATION = "id projectId portRangeId portNumber serviceName status hostname protocol releasedAt"

ALLOCATE = f"""
mutation($projectId: ID!, $rangeId: ID!, $service: String!, $hostname: String! = "localhost",
         $port: Int) {{
  allocatePort(projectId: $projectId, rangeId: $rangeId, serviceName: $service,
               serviceType: "web", hostname: $hostname, portNumber: $port) {{ {ALLOCATION} }}
}}"""

RESERVE = """
mutation($projectId: ID!, $rangeId: ID!, $port: Int!, $service: String!, $until: DateTime!) {
  reservePort(projectId: $projectId, rangeId: $rangeId, portNumber: $port,
              serviceName: $service, expiresAt: $until, reservedBy: "agent") {
    id portNumber serviceName expiresAt projectId
  }
}"""


async def port_range(admin: Client, name: str, start: int, end: int, **fields: Any) -> dict:
    response = await admin.gql(
        "mutation($input: CreatePortRangeInput!) "
        "{ createPortRange(input: $input) { id rangeName startPort endPort isActive } }",
        {"input": {"rangeName": name, "startPort": start, "endPort": end, **fields}},
    )
    return response.ok()["createPortRange"]  # type: ignore[no-any-return]


async def allocate(
    client: Client, project_id: str, range_id: str, service: str = "api", **variables: Any
) -> Response:
    return await client.gql(
        ALLOCATE,
        {"projectId": project_id, "rangeId": range_id, "service": service, **variables},
    )


async def allocated(client: Client, project_id: str, range_id: str, service: str = "api") -> int:
    response = await allocate(client, project_id, range_id, service)
    return int(response.ok()["allocatePort"]["portNumber"])


async def reserve(
    client: Client, project_id: str, range_id: str, port: int, until: str, service: str = "api"
) -> Response:
    return await client.gql(
        RESERVE,
        {
            "projectId": project_id,
            "rangeId": range_id,
            "port": port,
            "service": service,
            "until": until,
        },
    )
