"""Settings read once from the environment.

Every knob has a safe default for development on the embedded database; production
mode (``AURA_ENV=production``) turns off what only helps a developer (introspection,
GraphiQL, debug headers) and insists on an explicit JWT secret and master key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _origins(name: str) -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(o.strip() for o in raw.split(",") if o.strip())


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str | None = None
    home: Path = Path(".aura")
    jwt_secret: str | None = None
    # Base64 of 32 bytes; wraps the vault's data keys (aura/auth/crypto.py).
    master_key: str | None = None
    # Master keys being rotated away from (aura/auth/keyring.py): they only open data keys.
    master_key_previous: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    introspection: bool = True
    graphiql: bool = True
    debug_headers: bool = True
    default_page_size: int = 20
    max_page_size: int = 100
    # Queries the compiler handles run as one SQL statement (aura/engine/compiler).
    compiled_queries: bool = True
    statement_timeout_ms: int = 15_000
    pool_min_size: int = 2
    pool_max_size: int = 10
    seed_demo: bool = True
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    # Limits (aura/engine/limits.py); 0 turns one off.
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 2_000_000
    max_body_bytes: int = 1 << 20
    rate_limit_per_minute: int = 600
    ws_max_operations: int = 100
    # What one websocket's outbox may hold for a client that does not read (query
    # results, pongs, subscription messages) before the socket is closed with 1008.
    ws_outbox_max_bytes: int = 16 << 20
    ws_outbox_max_messages: int = 10_000
    # Origins (besides the server's own) whose pages may open a websocket.
    ws_origins: tuple[str, ...] = field(default_factory=tuple)
    # Realtime (aura/realtime): messages a subscription may fall behind before it is
    # ended with SUBSCRIBER_TOO_SLOW; seconds a websocket may wait before connection_init.
    subscription_backlog: int = 1000
    # permessage-deflate on websockets: off by default, since each connection that
    # negotiates it (every browser offers it) holds zlib state of about 130 KiB, and
    # subscription messages are small JSON.
    ws_compression: bool = False
    ws_init_timeout: float = 10.0
    # Days of change stream kept for resuming subscriptions.
    stream_retention_days: int = 7
    # Dimension of every embedding column (knowledge, data records). Fixed per
    # installation: the migrations create ``vector(N)`` columns with it, and the server
    # refuses to start when the database's columns have another.
    embedding_dimension: int = 1536
    # AI providers (aura/ai, aura/db/providers.py). The system settings choose the
    # provider; these, when set, override them (an operator's pin, e.g. offline in CI).
    ai_provider: str | None = None
    ai_host: str | None = None
    embedding_model: str | None = None
    llm_model: str | None = None
    ai_api_key: str | None = None
    # Seconds per attempt, retries after the first attempt, texts per embeddings request.
    ai_timeout: float = 30.0
    ai_retries: int = 3
    ai_batch_size: int = 64
    # Background jobs (aura/db/jobs.py): a worker in `aura serve`; seconds after which a
    # job whose worker stopped heartbeating is picked again; jobs run at once per worker.
    worker: bool = True
    job_heartbeat_seconds: float = 30.0
    worker_concurrency: int = 2
    # Whether ingest jobs embed their records with the installation's provider (the
    # offline embedder unless configured otherwise) before they complete.
    ingest_embeddings: bool = True
    # Records an analytics job sends the LLM in one chat request (aura.db.analysis).
    analysis_batch_size: int = 10
    # Knowledge chunks that may wait for the background indexer (aura.db.knowledge_index):
    # an ingest that finds this many waiting adds its own to the vector index at once
    # (slower); 0: every ingest does.
    knowledge_index_backlog: int = 100_000
    # Largest file a multipart request (GraphQL upload) may carry; 0: no limit.
    max_upload_bytes: int = 256 << 20
    # Retention (aura/db/retention.py): days before events and execution logs move to
    # their archives (0: never), rows per batch, and when the workers run it and the
    # secret rotation check (aura/db/secret_rotation.py): a cron expression (UTC).
    retention_events_days: int = 365
    retention_logs_days: int = 90
    retention_batch_size: int = 1000
    maintenance_schedule: str = "17 * * * *"
    # Password sign-in (aura/auth/passwords.py): attempts per minute per client address;
    # failures in a row before a login is locked out, and the first lockout (it doubles
    # with each further failure, up to an hour); how long a password reset token works;
    # the link a reset token is appended to (printed by `aura reset-password`).
    sign_in_per_minute: int = 30
    sign_in_max_failures: int = 5
    sign_in_lockout_seconds: float = 30.0
    password_reset_ttl: int = 3600
    password_reset_url: str | None = None
    # External identity provider (aura/auth/oidc.py): tokens whose `iss` is this issuer
    # are verified with its JWKS (AURA_OIDC_JWKS_URL, or found through the issuer's
    # /.well-known/openid-configuration) and must name one of the audiences.
    oidc_issuer: str | None = None
    oidc_audience: tuple[str, ...] = field(default_factory=tuple)
    oidc_jwks_url: str | None = None
    oidc_algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    oidc_email_claim: str = "email"
    # Email domains whose (verified) users start as USER rather than PENDING.
    oidc_admit_domains: tuple[str, ...] = field(default_factory=tuple)
    # Seconds the provider's keys are trusted before they are fetched again; at least
    # this many seconds between fetches caused by an unknown key id.
    oidc_jwks_ttl: float = 600.0
    oidc_jwks_min_refresh: float = 30.0
    # Requests one JSON-array batch may hold; 0 (the default): batches are refused.
    batch_max: int = 0
    # Automatic persisted queries remembered per process (aura/engine/persisted.py).
    apq_cache_size: int = 1000
    # Only documents registered with `aura documents register` run.
    trusted_documents: bool = False
    # Logging (aura/logging_setup.py): json or text lines; an access-log line per request.
    log_format: str = "text"
    log_level: str = "INFO"
    access_log: bool = True

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def data_dir(self) -> Path:
        """Where the embedded PostgreSQL keeps its cluster."""
        return Path(os.environ.get("AURA_DATA_DIR") or self.home / "pgdata")

    @classmethod
    def from_env(cls) -> Settings:
        environment = os.environ.get("AURA_ENV", "development").strip().lower()
        production = environment == "production"
        origins = _origins("AURA_CORS_ORIGINS")
        ws_origins = _origins("AURA_WS_ORIGINS") if "AURA_WS_ORIGINS" in os.environ else origins
        return cls(
            environment=environment,
            database_url=os.environ.get("DATABASE_URL") or None,
            home=Path(os.environ.get("AURA_HOME", ".aura")),
            jwt_secret=os.environ.get("AURA_JWT_SECRET") or None,
            master_key=os.environ.get("AURA_MASTER_KEY") or None,
            master_key_previous=os.environ.get("AURA_MASTER_KEY_PREVIOUS") or None,
            host=os.environ.get("AURA_HOST", "127.0.0.1"),
            port=_int("AURA_PORT", 8000),
            introspection=_flag("AURA_INTROSPECTION", not production),
            graphiql=_flag("AURA_GRAPHIQL", not production),
            debug_headers=_flag("AURA_DEBUG_HEADERS", not production),
            default_page_size=_int("AURA_DEFAULT_PAGE_SIZE", 20),
            max_page_size=_int("AURA_MAX_PAGE_SIZE", 100),
            compiled_queries=_flag("AURA_COMPILED_QUERIES", True),
            statement_timeout_ms=_int("AURA_STATEMENT_TIMEOUT_MS", 15_000),
            pool_min_size=_int("AURA_POOL_MIN_SIZE", 2),
            pool_max_size=_int("AURA_POOL_MAX_SIZE", 10),
            seed_demo=_flag("AURA_SEED_DEMO", environment == "development"),
            cors_origins=origins,
            max_depth=_int("AURA_MAX_DEPTH", 15),
            max_aliases=_int("AURA_MAX_ALIASES", 30),
            max_tokens=_int("AURA_MAX_TOKENS", 2000),
            max_cost=_int("AURA_MAX_COST", 2_000_000),
            max_body_bytes=_int("AURA_MAX_BODY_BYTES", 1 << 20),
            rate_limit_per_minute=_int("AURA_RATE_LIMIT_PER_MINUTE", 600),
            ws_max_operations=_int("AURA_WS_MAX_OPERATIONS", 100),
            ws_outbox_max_bytes=_int("AURA_WS_OUTBOX_MAX_BYTES", 16 << 20),
            ws_outbox_max_messages=_int("AURA_WS_OUTBOX_MAX_MESSAGES", 10_000),
            ws_origins=ws_origins,
            subscription_backlog=_int("AURA_SUBSCRIPTION_BACKLOG", 1000),
            ws_compression=_flag("AURA_WS_COMPRESSION", False),
            ws_init_timeout=float(_int("AURA_WS_INIT_TIMEOUT", 10)),
            stream_retention_days=_int("AURA_STREAM_RETENTION_DAYS", 7),
            embedding_dimension=_int("AURA_EMBEDDING_DIMENSION", 1536),
            ai_provider=os.environ.get("AURA_AI_PROVIDER") or None,
            ai_host=os.environ.get("AURA_AI_HOST") or None,
            embedding_model=os.environ.get("AURA_EMBEDDING_MODEL") or None,
            llm_model=os.environ.get("AURA_LLM_MODEL") or None,
            ai_api_key=os.environ.get("AURA_AI_API_KEY") or None,
            ai_timeout=float(os.environ.get("AURA_AI_TIMEOUT") or 30),
            ai_retries=_int("AURA_AI_RETRIES", 3),
            ai_batch_size=_int("AURA_AI_BATCH_SIZE", 64),
            worker=_flag("AURA_WORKER", True),
            job_heartbeat_seconds=float(os.environ.get("AURA_JOB_HEARTBEAT_SECONDS") or 30),
            worker_concurrency=_int("AURA_WORKER_CONCURRENCY", 2),
            ingest_embeddings=_flag("AURA_INGEST_EMBEDDINGS", True),
            analysis_batch_size=_int("AURA_ANALYSIS_BATCH_SIZE", 10),
            knowledge_index_backlog=_int("AURA_KNOWLEDGE_INDEX_BACKLOG", 100_000),
            max_upload_bytes=_int("AURA_MAX_UPLOAD_BYTES", 256 << 20),
            retention_events_days=_int("AURA_RETENTION_EVENTS_DAYS", 365),
            retention_logs_days=_int("AURA_RETENTION_LOGS_DAYS", 90),
            retention_batch_size=_int("AURA_RETENTION_BATCH_SIZE", 1000),
            maintenance_schedule=os.environ.get("AURA_MAINTENANCE_SCHEDULE") or "17 * * * *",
            sign_in_per_minute=_int("AURA_SIGN_IN_PER_MINUTE", 30),
            sign_in_max_failures=_int("AURA_SIGN_IN_MAX_FAILURES", 5),
            sign_in_lockout_seconds=float(os.environ.get("AURA_SIGN_IN_LOCKOUT_SECONDS") or 30),
            password_reset_ttl=_int("AURA_PASSWORD_RESET_TTL", 3600),
            password_reset_url=os.environ.get("AURA_PASSWORD_RESET_URL") or None,
            oidc_issuer=os.environ.get("AURA_OIDC_ISSUER") or None,
            oidc_audience=_origins("AURA_OIDC_AUDIENCE"),
            oidc_jwks_url=os.environ.get("AURA_OIDC_JWKS_URL") or None,
            oidc_algorithms=_origins("AURA_OIDC_ALGORITHMS") or ("RS256", "ES256", "EdDSA"),
            oidc_email_claim=os.environ.get("AURA_OIDC_EMAIL_CLAIM") or "email",
            oidc_admit_domains=tuple(d.lower() for d in _origins("AURA_OIDC_ADMIT_DOMAINS")),
            oidc_jwks_ttl=float(os.environ.get("AURA_OIDC_JWKS_TTL") or 600),
            oidc_jwks_min_refresh=float(os.environ.get("AURA_OIDC_JWKS_MIN_REFRESH") or 30),
            batch_max=_int("AURA_BATCH_MAX", 0),
            apq_cache_size=_int("AURA_APQ_CACHE_SIZE", 1000),
            trusted_documents=_flag("AURA_TRUSTED_DOCUMENTS", False),
            log_format=(
                os.environ.get("AURA_LOG_FORMAT") or ("json" if production else "text")
            ).lower(),
            log_level=os.environ.get("AURA_LOG_LEVEL") or "INFO",
            access_log=_flag("AURA_ACCESS_LOG", True),
        )
