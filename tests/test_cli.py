"""CLI manners: help for every command and option, ``--version``, documents, and a bad
DATABASE_URL as one line with a hint (never a traceback).

The commands run as a user runs them: ``aura`` in a subprocess, with DATABASE_URL
naming nothing listening, a server that is not PostgreSQL (Aura's own HTTP port), a
user the server does not know, a database that does not exist, and not a URL at all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest

from aura.cli import parser
from aura.engine.persisted import sha256
from tests.conftest import Server, _free_port

pytestmark = pytest.mark.timeout(120)

AURA = str(Path(sys.executable).parent / "aura")


def walk(command: argparse.ArgumentParser, path: str = "aura") -> list[tuple[str, str | None]]:
    """(where, help) of every subcommand and option, all the way down."""
    found = []
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((f"{path} {name}", helps.get(name)))
                found.extend(walk(sub, f"{path} {name}"))
        elif not isinstance(action, argparse._HelpAction):
            found.append((f"{path} {'/'.join(action.option_strings) or action.dest}", action.help))
    return found


def test_every_command_and_option_has_help() -> None:
    everything = walk(parser())
    assert len(everything) > 30
    missing = [where for where, text in everything if not text]
    assert not missing, missing


async def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        AURA,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_version() -> None:
    code, out, _ = await run("--version")
    assert code == 0
    assert out.startswith("aura ")
    assert out.split()[1][0].isdigit()


def _with_user(dsn: str, user: str) -> str:
    return dsn.replace("postgres@", f"{user}@", 1)


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "0"]])
async def test_a_bad_database_url_is_one_line_with_a_hint(
    server: Server, pg_server: str, database: str, command: list[str]
) -> None:
    cases = {
        "nothing listening": f"postgresql://aura:secret@127.0.0.1:{_free_port()}/aura",
        "not PostgreSQL": server.url.replace("http://", "postgresql://aura:secret@") + "/aura",
        "unknown user": _with_user(database, "nobody"),
        "no such database": database.rsplit("/", 1)[0]
        + "/"
        + "missing_db"
        + "?"
        + database.split("?", 1)[1],
        "not a URL": "localhost:5432",
    }
    for case, url in cases.items():
        code, out, err = await run(*command, env={"DATABASE_URL": url})
        lines = err.strip().splitlines()
        assert code == 2, (case, out, err)
        assert len(lines) == 1, (case, err)
        assert lines[0].startswith("aura: "), (case, err)
        assert "hint" in lines[0], (case, err)
        assert "secret" not in err  # the password is never printed
        assert "Traceback" not in err


async def test_documents_register_stores_trusted_documents(database: str, tmp_path: Path) -> None:
    query = tmp_path / "me.graphql"
    query.write_text("query Me { me { id } }\n")
    code, out, err = await run("documents", "register", str(query), env={"DATABASE_URL": database})
    assert code == 0, err
    digest = sha256("query Me { me { id } }")
    assert out.split() == [digest, "me"]
    conn = await asyncpg.connect(database)
    try:
        row = await conn.fetchrow("SELECT body, name FROM aura.trusted_documents")
    finally:
        await conn.close()
    assert tuple(row) == ("query Me { me { id } }", "me")
    # Registering again changes nothing.
    code, out, _ = await run("documents", "register", str(query), env={"DATABASE_URL": database})
    assert (code, out.split()) == (0, [digest, "me"])
