r"""Data of revision 0008 (seed gaps): the secret templates seeds 001/002 name.

Frozen with its revision. Each pattern is a Python regular expression that the whole
value must match (the vault checks ``re.fullmatch`` when a secret uses the template);
they avoid inline flags and lookarounds, so a client can reuse them in JavaScript as
``new RegExp(`^(?:${pattern})$`)``. Multi-line values (PEM keys and certificates) use
``[\s\S]`` rather than a dot.
"""

from __future__ import annotations

import json
from typing import NamedTuple

# Marks the rows this revision wrote, so its downgrade removes exactly those.
SEED = "0008_seed_gaps"


class Template(NamedTuple):
    name: str
    secret_type: str
    description: str
    pattern: str
    rotation_days: int


_PRINTABLE = r"[\x21-\x7E]{16,512}"

TEMPLATES = (
    Template(
        "API key",
        "api_key",
        "A service's API key or access token: 16 to 512 characters of letters, digits "
        "and ._~+/=:- (no spaces).",
        r"[A-Za-z0-9._~+/=:-]{16,512}",
        90,
    ),
    Template(
        "Database URL",
        "database_url",
        "A database connection URL with its credentials, e.g. "
        "postgresql://user:password@host:5432/name (postgres, mysql, mariadb, mongodb, "
        "redis, mssql, oracle, cockroachdb).",
        r"(?:postgres|postgresql|mysql|mariadb|mongodb|mongodb\+srv|redis|rediss|mssql"
        r"|sqlserver|oracle|cockroachdb)://[^\s/?#]+(?:[/?#]\S*)?",
        90,
    ),
    Template(
        "JWT secret",
        "jwt_secret",
        "A signing secret for HMAC JSON Web Tokens: 32 to 4,096 characters without spaces "
        "(256 bits at least, RFC 7518's minimum for HS256).",
        r"\S{32,4096}",
        180,
    ),
    Template(
        "SSH private key",
        "ssh_private_key",
        "An SSH private key in OpenSSH or PEM format, with its BEGIN and END lines.",
        r"-----BEGIN (OPENSSH|RSA|EC|DSA) PRIVATE KEY-----\r?\n[\s\S]+?\r?\n"
        r"-----END \1 PRIVATE KEY-----\s*",
        365,
    ),
    Template(
        "OAuth client secret",
        "oauth_client_secret",
        "An OAuth 2.0 client secret: 16 to 512 printable characters without spaces.",
        _PRINTABLE,
        180,
    ),
    Template(
        "Webhook secret",
        "webhook_secret",
        "A shared secret that signs webhook payloads (GitHub, Stripe's whsec_…): 16 to "
        "512 printable characters without spaces.",
        _PRINTABLE,
        180,
    ),
    Template(
        "TLS certificate",
        "tls_certificate",
        "A PEM certificate or certificate chain (one or more BEGIN/END CERTIFICATE blocks).",
        r"(?:-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+",
        365,
    ),
    Template(
        "TLS private key",
        "tls_private_key",
        "A PEM private key: PKCS#8 (encrypted or not), RSA or EC.",
        r"-----BEGIN (RSA |EC |ENCRYPTED |)PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+"
        r"-----END \1PRIVATE KEY-----\s*",
        365,
    ),
    Template(
        "Password",
        "password",
        "A password: 12 to 1,024 characters.",
        r"[\s\S]{12,1024}",
        90,
    ),
    Template(
        "Encryption key",
        "encryption_key",
        "A 256-bit symmetric key (AES-256, AURA_MASTER_KEY) as base64: 44 characters ending in =.",
        r"[A-Za-z0-9+/]{43}=",
        365,
    ),
    Template(
        "GitHub token",
        "github_token",
        "A GitHub token: personal access (ghp_), OAuth (gho_), user-to-server (ghu_), "
        "server-to-server (ghs_), refresh (ghr_) or fine-grained (github_pat_).",
        r"(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})",
        90,
    ),
    Template(
        "AWS secret access key",
        "aws_secret_access_key",
        "The secret half of an AWS access key pair: 40 characters of base64.",
        r"[A-Za-z0-9/+=]{40}",
        90,
    ),
    Template(
        "OpenAI API key",
        "openai_api_key",
        "An OpenAI API key (sk-… or sk-proj-…).",
        r"sk-[A-Za-z0-9_-]{20,256}",
        180,
    ),
    Template(
        "OpenRouter API key",
        "openrouter_api_key",
        "An OpenRouter API key (sk-or-v1- and 64 hexadecimal digits), as the "
        "openrouter_key system setting holds.",
        r"sk-or-v1-[0-9a-f]{64}",
        180,
    ),
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def insert_templates() -> str:
    """Idempotent: a template whose name exists already (the admin's own) is left alone."""
    rows = ",\n".join(
        f"({_literal(t.name)}, {_literal(t.secret_type)}, {_literal(t.description)}, "
        f"{_literal(t.pattern)}, {t.rotation_days}, "
        f"{_literal(json.dumps({'seed': SEED}))}::jsonb)"
        for t in TEMPLATES
    )
    return (
        "INSERT INTO secret_templates (template_name, secret_type, description, "
        f"validation_pattern, rotation_interval_days, metadata) VALUES\n{rows}\n"
        "ON CONFLICT (template_name) DO NOTHING;"
    )


DELETE_TEMPLATES = (
    f"DELETE FROM secret_templates WHERE metadata @> {_literal(json.dumps({'seed': SEED}))}::jsonb;"
)
