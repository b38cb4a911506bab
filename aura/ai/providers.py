"""Which provider an installation uses, and the clients for it.

``AIConfig`` is what the system settings (``ai_provider``, ``ai_host``,
``embedding_model``, ``llm_model``, the API key) and the transport knobs say;
``embedder_from`` and ``chat_from`` turn it into clients. Reading the settings from the
database is ``aura.db.providers``'s job: this layer knows no database.

Providers: ``offline`` (the default: the built-in feature-hashing embedder, no LLM),
and the OpenAI-compatible ``lmstudio``, ``ollama``, ``vllm``, ``openai``, ``openrouter``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aura.ai.chat import ChatClient
from aura.ai.embedder import Embedder
from aura.ai.offline import HashingEmbedder
from aura.ai.openai import DEFAULT_BATCH_SIZE, OpenAIEmbedder
from aura.ai.transport import Policy, base_url
from aura.errors import ProviderError

OFFLINE = "offline"


@dataclass(frozen=True)
class Kind:
    """What Aura knows of one provider: where it listens by default, whether it needs a
    key, and its default models (None: the installation must name one)."""

    host: str
    needs_key: bool = False
    embedding_model: str | None = None
    llm_model: str | None = None


KINDS: dict[str, Kind] = {
    "lmstudio": Kind("http://localhost:1234/v1"),
    "ollama": Kind("http://localhost:11434/v1"),
    "vllm": Kind("http://localhost:8000/v1"),
    "openai": Kind("https://api.openai.com/v1", True, "text-embedding-3-small", "gpt-4o-mini"),
    "openrouter": Kind(
        "https://openrouter.ai/api/v1", True, "openai/text-embedding-3-small", "openai/gpt-4o-mini"
    ),
}
PROVIDERS = (OFFLINE, *KINDS)


@dataclass(frozen=True)
class AIConfig:
    """One installation's AI configuration (hashable: clients are cached by it)."""

    provider: str = OFFLINE
    host: str | None = None
    embedding_model: str | None = None
    llm_model: str | None = None
    api_key: str | None = None
    timeout: float = 30.0
    connect_timeout: float = 5.0
    retries: int = 3
    batch_size: int = DEFAULT_BATCH_SIZE

    def __repr__(self) -> str:  # never print the key
        key = "set" if self.api_key else None
        return (
            f"AIConfig(provider={self.provider!r}, host={self.host!r}, "
            f"embedding_model={self.embedding_model!r}, llm_model={self.llm_model!r}, "
            f"api_key={key})"
        )

    @property
    def policy(self) -> Policy:
        return Policy(
            timeout=self.timeout, connect_timeout=self.connect_timeout, retries=self.retries
        )


def _kind(config: AIConfig) -> Kind:
    kind = KINDS.get(config.provider)
    if kind is None:
        raise ProviderError(
            f"unknown AI provider {config.provider!r} (ai_provider): use one of "
            f"{', '.join(PROVIDERS)}",
            provider=config.provider,
        )
    if kind.needs_key and not config.api_key:
        raise ProviderError(
            f"the {config.provider} provider needs an API key (system setting "
            f"{'openrouter_key' if config.provider == 'openrouter' else 'ai_api_key'})",
            provider=config.provider,
        )
    return kind


def _model(config: AIConfig, given: str | None, default: str | None, setting: str) -> str:
    model = (given or "").strip() or default
    if not model:
        raise ProviderError(
            f"the {config.provider} provider needs a model: set the system setting {setting}",
            provider=config.provider,
        )
    return model


def embedder_from(config: AIConfig, dimension: int) -> Embedder:
    """The embedder ``config`` names, producing vectors of ``dimension``.

    An HTTP embedder holds a connection pool: close it with ``aclose()`` when done
    (``aura.db.providers`` does, for the clients it caches)."""
    if config.provider == OFFLINE:
        return HashingEmbedder(dimension)
    kind = _kind(config)
    return OpenAIEmbedder(
        provider=config.provider,
        url=base_url(config.host or kind.host),
        model=_model(config, config.embedding_model, kind.embedding_model, "embedding_model"),
        dimension=dimension,
        api_key=config.api_key,
        batch_size=config.batch_size,
        policy=config.policy,
    )


def chat_from(config: AIConfig) -> ChatClient:
    """The chat client ``config`` names; ``ProviderError`` at once when it names none
    (the offline provider has no language model). Close it with ``aclose()``."""
    if config.provider == OFFLINE:
        raise ProviderError(
            "no LLM provider configured: set the system setting ai_provider to one of "
            f"{', '.join(KINDS)} (and llm_model)",
            provider=OFFLINE,
        )
    kind = _kind(config)
    return ChatClient(
        provider=config.provider,
        url=base_url(config.host or kind.host),
        model=_model(config, config.llm_model, kind.llm_model, "llm_model"),
        api_key=config.api_key,
        policy=config.policy,
    )


async def close(client: object) -> None:
    """Close a client made here, whatever its kind (the offline embedder holds nothing)."""
    aclose = getattr(client, "aclose", None)
    if aclose is not None:
        await aclose()
