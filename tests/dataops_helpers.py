"""Given-steps of the dataops tests: GraphQL multipart uploads and CSV files."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO, Any

import orjson

from tests.conftest import Client, Response

INGEST = """
mutation($input: IngestCsvInput!) {
  ingestCsv(input: $input) { id status totalRecords savedCount skippedCount fileName fileBytes }
}"""

JOB = """
query($id: ID!) {
  ingestJob(id: $id) { id status totalRecords savedCount skippedCount skippedDetails error }
}"""


async def upload(
    client: Client,
    project_id: str,
    content: bytes | IO[bytes],
    *,
    type: str = "TASK",
    name: str = "records.csv",
    **mapping: Any,
) -> Response:
    """``ingestCsv`` as a GraphQL multipart request (operations, map, the file part)."""
    operations = {
        "query": INGEST,
        "variables": {"input": {"projectId": project_id, "type": type, "file": None, **mapping}},
    }
    headers = {}
    if client.user is not None:
        headers["authorization"] = f"Bearer {client.user.token}"
    response = await client.http.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps({"0": ["variables.input.file"]}).decode(),
        },
        files={"0": (name, content, "text/csv")},
        headers=headers,
    )
    return Response(response.status_code, response.json(), response.headers)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def write_csv(path: Path, rows: int, *, width: int = 60) -> int:
    """A CSV of ``rows`` valid task rows (content, category, two extra columns); returns
    its size in bytes. Written in pieces: the test never holds it whole either."""
    filler = "x" * width
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["content", "category", "source_id", "note"])
        for i in range(rows):
            category = "TOP_10" if i % 2 else "BOTTOM_10"
            writer.writerow([f"task {i} {filler}", category, str(i), f"n{i % 7}"])
    return path.stat().st_size


def rss_kib() -> int:
    return _status("VmRSS")


def peak_rss_kib() -> int:
    return _status("VmHWM")


def reset_peak_rss() -> None:
    """Linux: resets VmHWM to the current RSS (``clear_refs`` 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)
