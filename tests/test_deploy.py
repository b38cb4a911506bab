"""The Docker deployment, checked without Docker: the compose file and the Dockerfile are
read, and the image's entrypoint command runs here with the compose environment, with a
temporary directory standing for the named volume.

Started twice on one volume, it keeps its master key and JWT secret: the second start
opens the vault the first one wrote (a stored secret reveals), and a token the first
one's secret signed still works. A wrong master key is refused at start-up.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from aura.auth.crypto import new_master_key
from aura.auth.tokens import mint
from tests.conftest import _free_port
from tests.waiting import until

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
VOLUME = "/var/lib/aura"  # where the compose file mounts the api's named volume
START_DEADLINE = 90.0


def instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction of the Dockerfile, continued lines joined."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.*)$", text, re.M)]


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's ``${NAME:-default}`` and ``${NAME}`` against ``environ``."""

    def one(match: re.Match[str]) -> str:
        name, _, default = match.group(1).partition(":-")
        return environ.get(name) or default

    return re.sub(r"\$\{([^}]*)\}", one, value)


def api_environment(environ: dict[str, str]) -> dict[str, str]:
    raw = COMPOSE["services"]["api"]["environment"]
    return {key: interpolate(str(value), environ) for key, value in raw.items()}


# -- the files --------------------------------------------------------------------------


def test_the_compose_file_keeps_secrets_on_a_volume_in_production() -> None:
    api = COMPOSE["services"]["api"]
    env = api_environment({})
    assert env["AURA_ENV"] == "production"
    assert env["DATABASE_URL"].startswith("postgresql://")
    # No default secret baked into the file: from the environment, or generated.
    assert env["AURA_MASTER_KEY"] == ""
    assert env["AURA_JWT_SECRET"] == ""
    assert env["AURA_SECRETS_DIR"].startswith(VOLUME + "/")
    # The secrets live on a named volume, declared at the top level.
    mounts = dict(volume.split(":", 1)[::-1] for volume in api["volumes"])
    assert mounts[VOLUME] in COMPOSE["volumes"]
    db = COMPOSE["services"]["db"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    # Healthy means ready: database, migrations, realtime listener.
    assert "/ready" in " ".join(api["healthcheck"]["test"])
    assert str(api["user"]).split(":")[0] not in ("0", "root")


def test_the_image_runs_as_a_non_root_user_with_the_entrypoint() -> None:
    [user] = instructions("USER")
    assert user not in ("root", "0")
    assert "--uid 10001" in DOCKERFILE
    assert str(COMPOSE["services"]["api"]["user"]) == "10001:10001"
    [entrypoint] = instructions("ENTRYPOINT")
    assert json.loads(entrypoint) == ["aura-entrypoint"]
    assert "docker/entrypoint.sh /usr/local/bin/aura-entrypoint" in DOCKERFILE
    [healthcheck] = instructions("HEALTHCHECK")
    assert "/ready" in healthcheck
    env = " ".join(instructions("ENV"))
    assert "AURA_ENV=production" in env
    # The volume's mount point exists in the image, owned by aura: Docker gives a new
    # named volume that owner, so the non-root user can write its secrets there.
    assert "chown -R aura:aura /var/lib/aura" in DOCKERFILE
    assert instructions("VOLUME") == ['["/var/lib/aura"]']


# -- the entrypoint, outside Docker -----------------------------------------------------


def image_command() -> list[str]:
    [cmd] = instructions("CMD")
    return list(json.loads(cmd))


def container_environment(volume: Path, dsn: str, port: int, **extra: str) -> dict[str, str]:
    """The compose environment, with the volume at ``volume`` and the test's database."""
    env = {key: value.replace(VOLUME, str(volume)) for key, value in api_environment({}).items()}
    env["DATABASE_URL"] = dsn
    return {
        # What the image has: python and aura on the PATH, nothing else of ours.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(volume),
        **env,
        "AURA_PORT": str(port),
        # Two cores for seven test runs: the worker is not what this test is about.
        "AURA_WORKER_CONCURRENCY": "1",
        **extra,
    }


@asynccontextmanager
async def container(
    volume: Path, dsn: str, log: Path, **extra: str
) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    """The entrypoint running the image's command, until /ready answers 200."""
    port = _free_port()
    env = container_environment(volume, dsn, port, **extra)
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: ASYNC220  (waited for below)
            ["sh", str(ENTRYPOINT), *image_command()], env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:

            async def ready() -> bool:
                if process.poll() is not None:
                    output = await asyncio.to_thread(log.read_text)
                    raise AssertionError(f"exited {process.returncode}:\n{output}")
                try:
                    return (await http.get("/ready")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(ready, "the container to be ready", within=START_DEADLINE)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


async def gql(url: str, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


CREATE_SECRET = """
mutation($input: CreateSecretInput!) { createSecret(input: $input) { id } }
"""
REVEAL = "mutation($id: ID!) { revealSecret(id: $id) { value } }"


@pytest.mark.slow
# Three starts of a real server process (imports, schema, migration check, pool, hub):
# about 10 s each on an idle machine, several times that on a loaded one.
@pytest.mark.timeout(300)
async def test_the_entrypoint_keeps_its_secrets_across_recreation(
    tmp_path: Path, database: str
) -> None:
    volume = tmp_path / "aura-data"
    volume.mkdir()
    log = tmp_path / "container.log"
    secrets_dir = Path(api_environment({})["AURA_SECRETS_DIR"].replace(VOLUME, str(volume)))

    # First start: secrets generated onto the volume, no demo data.
    async with container(volume, database, log) as (url, _):
        master = (secrets_dir / "master-key").read_text().strip()
        jwt_secret = (secrets_dir / "jwt-secret").read_text().strip()
        conn = await asyncpg.connect(database)
        try:
            assert await conn.fetchval("SELECT count(*) FROM users") == 0  # production: no demo
            user = await conn.fetchval(
                "INSERT INTO users (email, role) VALUES ('ops@example.com', 'USER') RETURNING id"
            )
        finally:
            await conn.close()
        token = mint(jwt_secret, str(user))
        project = await gql(
            url, token, 'mutation { createProject(input: {name: "deploy"}) { id } }', {}
        )
        secret = await gql(
            url,
            token,
            CREATE_SECRET,
            {
                "input": {
                    "projectId": project["createProject"]["id"],
                    "keyName": "STRIPE_KEY",
                    "value": "sk_live_kept",
                }
            },
        )
    assert oct((secrets_dir / "master-key").stat().st_mode & 0o777) == "0o600"
    output = log.read_text()
    assert "generated AURA_MASTER_KEY" in output
    # Production logs are JSON lines; the readiness probes were logged as accesses.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    probes = [x for x in lines if x["logger"] == "aura.access" and x["path"] == "/ready"]
    assert probes
    assert all(x["request_id"] and x["timestamp"] and x["level"] == "INFO" for x in probes)

    # Re-created: same volume, new process. The vault opens, the old token works.
    async with container(volume, database, log) as (url, _):
        revealed = await gql(url, token, REVEAL, {"id": secret["createSecret"]["id"]})
    assert revealed == {"revealSecret": {"value": "sk_live_kept"}}
    assert (secrets_dir / "master-key").read_text().strip() == master
    assert (secrets_dir / "jwt-secret").read_text().strip() == jwt_secret

    # A master key from the environment wins over the volume's; a wrong one is refused
    # at start-up instead of serving unreadable secrets.
    env = container_environment(volume, database, _free_port(), AURA_MASTER_KEY=new_master_key())
    refused = await asyncio.to_thread(
        subprocess.run,
        ["sh", str(ENTRYPOINT), *image_command()],
        env=env,
        capture_output=True,
        timeout=START_DEADLINE,
        check=False,
    )
    assert refused.returncode != 0
    assert b"does not open with this master key" in refused.stderr


def test_the_entrypoint_says_so_when_it_cannot_keep_secrets(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "AURA_SECRETS_DIR": str(blocked / "secrets"),
    }
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), "true"], env=env, capture_output=True, check=False
    )
    assert result.returncode == 78
    assert b"cannot write to" in result.stderr
    assert b"AURA_MASTER_KEY" in result.stderr


def test_the_entrypoint_passes_secrets_from_the_environment_through(tmp_path: Path) -> None:
    key = new_master_key()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AURA_SECRETS_DIR": str(tmp_path / "secrets"),
        "AURA_MASTER_KEY": key,
        "AURA_JWT_SECRET": "from-the-environment",
    }
    show = 'printf "%s %s" "$AURA_MASTER_KEY" "$AURA_JWT_SECRET"'
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), "sh", "-c", show],
        env=env,
        capture_output=True,
        check=True,
    )
    assert result.stdout.decode() == f"{key} from-the-environment"
    assert not (tmp_path / "secrets" / "master-key").exists()  # nothing written
    assert shlex.split(result.stdout.decode())[0] == key
