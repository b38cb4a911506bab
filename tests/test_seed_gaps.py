"""Revision 0008: seeded secret templates (validated by the vault, reversible), the seeds'
missing indexes, and GitHub ids as 64-bit BigInt with a filter."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from aura.db import migrate
from aura.db.database import with_database
from migrations.sql.seed_gaps import SEED, TEMPLATES
from tests import factories
from tests.conftest import Client

INDEXES = {
    "ix_tasks_type": ("tasks", "type"),
    "ix_tasks_order_index": ("tasks", "order_index"),
    "ix_tasks_created_at": ("tasks", "created_at"),
    "ix_issues_priority": ("issues", "priority"),
    "ix_issues_github_id": ("issues", "github_id"),
    "ix_artifacts_user_id": ("artifacts", "user_id"),
    "ix_artifacts_created_at": ("artifacts", "created_at"),
    "ix_checkpoints_created_at": ("checkpoints", "created_at"),
    "ix_decisions_created_at": ("decisions", "created_at"),
}
BEYOND_JAVASCRIPT = "9007199254740993"  # 2**53 + 1: a JavaScript number would round it
BIGINT_MAX = str(2**63 - 1)


# -- indexes ---------------------------------------------------------------------------------


async def indexes(db: asyncpg.Connection) -> dict[str, str]:
    rows = await db.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND indexname = ANY($1::text[])",
        list(INDEXES),
    )
    return {r["indexname"]: r["indexdef"] for r in rows}


async def test_the_seeds_indexes_exist(db: asyncpg.Connection) -> None:
    found = await indexes(db)
    assert set(found) == set(INDEXES)
    for name, (table, column) in INDEXES.items():
        assert found[name].endswith(f"ON public.{table} USING btree ({column})"), found[name]


# -- secret templates ------------------------------------------------------------------------


def pem(data: bytes) -> str:
    return data.decode()


def _certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aura.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return pem(cert.public_bytes(serialization.Encoding.PEM))


def _private(key: Any, form: serialization.PrivateFormat) -> str:
    return pem(key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()))


def examples() -> dict[str, tuple[list[str], list[str]]]:
    """Per template: values it must accept, values it must refuse."""
    ssh = _private(ed25519.Ed25519PrivateKey.generate(), serialization.PrivateFormat.OpenSSH)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pkcs8 = _private(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8)
    traditional = _private(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL)
    cert = _certificate()
    return {
        "API key": (["abcDEF0123456789_-.xyz"], ["short", "has spaces in it here", "x" * 513]),
        "Database URL": (
            ["postgresql://aura:s3cret@db.internal:5432/aura", "mongodb+srv://u:p@c.example"],
            ["db.internal:5432", "postgresql://", "http://example.com"],
        ),
        "JWT secret": ([secrets.token_urlsafe(32)], ["too-short", "x" * 31, " " * 40]),
        "SSH private key": ([ssh, traditional], [cert, "-----BEGIN OPENSSH PRIVATE KEY-----"]),
        "OAuth client secret": ([secrets.token_hex(20)], ["short", "with space 1234567890"]),
        "Webhook secret": (["whsec_" + secrets.token_hex(16)], ["tiny"]),
        "TLS certificate": ([cert, cert + cert], [pkcs8, "not a certificate"]),
        "TLS private key": ([pkcs8, traditional], [cert, ssh]),
        "Password": (["correct horse battery"], ["short pwd"]),
        "Encryption key": (
            [__import__("base64").b64encode(secrets.token_bytes(32)).decode()],
            ["c2hvcnQ=", "x" * 44],
        ),
        "GitHub token": (
            ["ghp_" + "a1B2" * 9, "github_pat_" + "A_1b" * 20],
            ["ghx_" + "a" * 36, "ghp_short"],
        ),
        "AWS secret access key": (["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"], ["AKIA123"]),
        "OpenAI API key": (["sk-proj-" + "Ab3_" * 10], ["pk-" + "a" * 30]),
        "OpenRouter API key": (["sk-or-v1-" + "0f" * 32], ["sk-or-v1-" + "0F" * 32, "sk-or-xyz"]),
    }


def test_every_template_pattern_accepts_its_kind_and_refuses_others() -> None:
    cases = examples()
    assert {t.name for t in TEMPLATES} == set(cases)
    for template in TEMPLATES:
        good, bad = cases[template.name]
        for value in good:
            assert re.fullmatch(template.pattern, value), (template.name, value)
        for value in bad:
            assert not re.fullmatch(template.pattern, value), (template.name, value)
        assert template.rotation_days > 0


async def test_templates_are_seeded_and_readable_by_members(
    client: Client, db: asyncpg.Connection
) -> None:
    listed = await client.gql(
        "{ secretTemplates(first: 100) { nodes { templateName secretType validationPattern "
        "rotationIntervalDays description metadata } } }"
    )
    nodes = {n["templateName"]: n for n in listed.ok()["secretTemplates"]["nodes"]}
    assert set(nodes) == {t.name for t in TEMPLATES}
    for template in TEMPLATES:
        node = nodes[template.name]
        assert node["secretType"] == template.secret_type
        assert node["validationPattern"] == template.pattern
        assert node["rotationIntervalDays"] == template.rotation_days
        assert node["description"] == template.description
        assert node["metadata"] == {"seed": SEED}
    assert await db.fetchval("SELECT count(*) FROM secret_templates") == len(TEMPLATES)


async def test_the_vault_validates_against_a_seeded_template(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    template_id = await db.fetchval(
        "SELECT id FROM secret_templates WHERE template_name = 'Database URL'"
    )
    create = (
        "mutation($input: CreateSecretInput!) "
        "{ createSecret(input: $input) { id secretType templateId } }"
    )
    base = {"projectId": project["id"], "keyName": "DATABASE_URL", "templateId": template_id}
    refused = await client.gql(create, {"input": {**base, "value": "db.internal:5432"}})
    assert refused.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM secrets") == 0
    url = "postgresql://aura:s3cret@db.internal:5432/aura"
    created = (await client.gql(create, {"input": {**base, "value": url}})).ok()["createSecret"]
    assert created["secretType"] == "database_url"
    assert created["templateId"] == template_id
    days = await db.fetchval(
        "SELECT rotation_interval_days FROM secret_rotation_schedule WHERE secret_id = $1",
        created["id"],
    )
    assert days == 90


@pytest.fixture
async def empty_database(pg_server: str) -> AsyncIterator[str]:
    name = f"gaps_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(pg_server, name)
    finally:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await conn.close()


async def test_the_revision_is_idempotent_and_reversible(empty_database: str) -> None:
    await migrate.upgrade(empty_database, "0007_session_dates")
    conn = await asyncpg.connect(empty_database)
    try:
        # An administrator's own template, named like a seeded one, and another.
        await conn.execute(
            "INSERT INTO secret_templates (template_name, secret_type, validation_pattern) "
            "VALUES ('API key', 'mine', 'k-[0-9]+'), ('stripe', 'api_key', NULL)"
        )
        before = await conn.fetch("SELECT * FROM secret_templates ORDER BY template_name")
        await migrate.upgrade(empty_database, "0008_seed_gaps")
        names = {r[0] for r in await conn.fetch("SELECT template_name FROM secret_templates")}
        assert names == {t.name for t in TEMPLATES} | {"stripe"}
        mine = await conn.fetchrow("SELECT * FROM secret_templates WHERE template_name = 'API key'")
        assert (mine["secret_type"], mine["metadata"]) == ("mine", "{}")
        assert set(await indexes(conn)) == set(INDEXES)

        await migrate.downgrade(empty_database, "0007_session_dates")
        after = await conn.fetch("SELECT * FROM secret_templates ORDER BY template_name")
        assert after == before
        assert await indexes(conn) == {}

        await migrate.upgrade(empty_database, "0008_seed_gaps")
        seeded = await conn.fetchval(
            "SELECT count(*) FROM secret_templates WHERE metadata @> $1::jsonb",
            '{"seed": "0008_seed_gaps"}',
        )
        assert seeded == len(TEMPLATES) - 1  # all but the administrator's "API key"
    finally:
        await conn.close()


# -- BigInt ----------------------------------------------------------------------------------

ISSUE = "id githubId"
FILTERED = "query($f: IssueFilter) { issues(filter: $f) { nodes { id githubId } } }"


async def create_issue(client: Client, project_id: str, github_id: Any) -> Any:
    return await client.gql(
        f"mutation($input: CreateIssueInput!) {{ createIssue(input: $input) {{ {ISSUE} }} }}",
        {"input": {"projectId": project_id, "title": "synced", "githubId": github_id}},
    )


async def test_a_github_id_beyond_53_bits_round_trips(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    created = (await create_issue(client, project["id"], BEYOND_JAVASCRIPT)).ok()["createIssue"]
    assert created["githubId"] == BEYOND_JAVASCRIPT
    assert await db.fetchval("SELECT github_id FROM issues WHERE id = $1", created["id"]) == (
        2**53 + 1
    )
    neighbour = (await create_issue(client, project["id"], 2**53)).ok()["createIssue"]
    assert neighbour["githubId"] == "9007199254740992"  # an integer input is taken too
    largest = (await create_issue(client, project["id"], BIGINT_MAX)).ok()["createIssue"]
    assert largest["githubId"] == BIGINT_MAX

    async def ids(conditions: dict[str, Any]) -> list[str]:
        answer = await client.gql(FILTERED, {"f": {"githubId": conditions}})
        return sorted(n["githubId"] for n in answer.ok()["issues"]["nodes"])

    assert await ids({"eq": BEYOND_JAVASCRIPT}) == [BEYOND_JAVASCRIPT]
    assert await ids({"ne": BEYOND_JAVASCRIPT}) == sorted([BIGINT_MAX, "9007199254740992"])
    assert await ids({"gt": "9007199254740992"}) == sorted([BEYOND_JAVASCRIPT, BIGINT_MAX])
    assert await ids({"gte": BIGINT_MAX}) == [BIGINT_MAX]
    assert await ids({"lt": BEYOND_JAVASCRIPT}) == ["9007199254740992"]
    assert await ids({"lte": BEYOND_JAVASCRIPT}) == sorted([BEYOND_JAVASCRIPT, "9007199254740992"])
    assert await ids({"in": [BEYOND_JAVASCRIPT, 2**53]}) == sorted(
        [BEYOND_JAVASCRIPT, "9007199254740992"]
    )
    assert await ids({"isNull": True}) == []
    literal = await client.gql(
        f'{{ issues(filter: {{githubId: {{eq: "{BEYOND_JAVASCRIPT}"}}}}) {{ nodes {{ id }} }} }}'
    )
    assert literal.ok()["issues"]["nodes"] == [{"id": created["id"]}]

    changed = await client.gql(
        'mutation($id: ID!) { updateIssue(id: $id, input: {githubId: "-5"}) { githubId } }',
        {"id": created["id"]},
    )
    assert changed.ok() == {"updateIssue": {"githubId": "-5"}}
    assert await db.fetchval("SELECT github_id FROM issues WHERE id = $1", created["id"]) == -5


async def test_a_comment_github_id_is_a_bigint(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client)
    issue = await factories.issue(client, project["id"])
    made = await client.gql(
        "mutation($input: CreateCommentInput!) { createComment(input: $input) { id githubId } }",
        {"input": {"content": "synced", "issueId": issue["id"], "githubId": BEYOND_JAVASCRIPT}},
    )
    comment = made.ok()["createComment"]
    assert comment["githubId"] == BEYOND_JAVASCRIPT
    assert await db.fetchval("SELECT github_id FROM comments") == 2**53 + 1
    found = await client.gql(
        "query($f: CommentFilter) { comments(filter: $f) { nodes { id } } }",
        {"f": {"githubId": {"eq": BEYOND_JAVASCRIPT}}},
    )
    assert found.ok()["comments"]["nodes"] == [{"id": comment["id"]}]


NOT_BIGINTS = [str(2**63), str(-(2**63) - 1), 2**63, "1.5", 1.5, "1e3", "abc", "", " 12", True]


async def test_what_is_not_a_64_bit_integer_is_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    for value in [*NOT_BIGINTS, "0x10"]:
        answer = await create_issue(client, project["id"], value)
        assert answer.codes == ["BAD_USER_INPUT"], (value, answer.errors)
        filtered = await client.gql(FILTERED, {"f": {"githubId": {"eq": value}}})
        assert filtered.codes == ["BAD_USER_INPUT"], value
    assert await db.fetchval("SELECT count(*) FROM issues") == 0


async def test_a_bad_bigint_literal_is_refused(client: Client) -> None:
    answer = await client.gql(
        f'{{ issues(filter: {{githubId: {{eq: "{2**64}"}}}}) {{ nodes {{ id }} }} }}'
    )
    assert answer.codes == ["BAD_USER_INPUT"]
    assert "64-bit" in answer.errors[0]["message"]
