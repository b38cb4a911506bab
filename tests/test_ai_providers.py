"""The OpenAI-compatible clients against a local stand-in provider (tests/ai_server.py),
and the installation's choice of provider from its system settings."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import asyncpg
import pytest

from aura.ai.chat import ChatClient, user
from aura.ai.offline import HashingEmbedder
from aura.ai.openai import OpenAIEmbedder
from aura.ai.providers import AIConfig, chat_from, embedder_from
from aura.ai.transport import Policy, base_url
from aura.config import Settings
from aura.db.providers import (
    config_from,
    installation_chat,
    installation_embedder,
    providers,
    read_ai_config,
)
from aura.errors import ProviderError
from tests.ai_server import AIServer, Reply
from tests.conftest import Client, People, Server
from tests.waiting import until

FAST = Policy(timeout=2.0, connect_timeout=1.0, retries=3, backoff=0.01, max_backoff=0.05)


def embedder(ai: AIServer, *, dimension: int = 16, policy: Policy = FAST, **kw: Any) -> Any:
    return OpenAIEmbedder(
        provider="lmstudio",
        url=ai.url,
        model="nomic-embed",
        dimension=dimension,
        policy=policy,
        **kw,
    )


def chat(ai: AIServer, policy: Policy = FAST) -> ChatClient:
    return ChatClient(provider="ollama", url=ai.url, model="llama3", policy=policy)


async def failure(awaitable: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await awaitable
    assert caught.value.extensions is not None
    assert caught.value.extensions["code"] == "PROVIDER_ERROR"
    return caught.value


# -- embeddings ------------------------------------------------------------------------------


async def test_batches_keep_each_vector_in_its_texts_place(ai_server: AIServer) -> None:
    ai_server.reverse = True  # the service lists them backwards: `index` decides
    texts = [f"text number {i} about ports" for i in range(7)]
    async with embedder(ai_server, batch_size=3, api_key="sk-local") as client:
        vectors = await client.embed(texts)
    assert ai_server.inputs() == [texts[0:3], texts[3:6], texts[6:7]]
    expected = [HashingEmbedder(16).embed_one(t) for t in texts]
    for got, want in zip(vectors, expected, strict=True):
        assert got == pytest.approx(want)
        assert math.isclose(sum(v * v for v in got), 1.0)
    first = ai_server.requests[0]
    assert (first.method, first.path) == ("POST", "/v1/embeddings")
    assert first.body["model"] == "nomic-embed"
    assert first.headers["authorization"] == "Bearer sk-local"


async def test_a_refused_input_is_not_retried(ai_server: AIServer) -> None:
    async with embedder(ai_server) as client:
        error = await failure(client.embed(["fine", "  "]))
    assert "answered 400 Bad Request: input must not be empty" in error.message
    assert len(ai_server.requests) == 1


async def test_no_texts_no_request(ai_server: AIServer) -> None:
    async with embedder(ai_server) as client:
        assert await client.embed([]) == []
    assert ai_server.requests == []


async def test_vectors_are_scaled_to_unit_length(ai_server: AIServer) -> None:
    ai_server.then(Reply(json={"data": [{"index": 0, "embedding": [3.0, 4.0] + [0.0] * 14}]}))
    async with embedder(ai_server) as client:
        (vector,) = await client.embed(["x"])
    assert vector[:2] == pytest.approx([0.6, 0.8])


async def test_a_slow_provider_times_out(ai_server: AIServer) -> None:
    ai_server.then(Reply(delay=30))
    policy = dataclasses.replace(FAST, timeout=0.3, retries=0)
    started = time.monotonic()
    async with embedder(ai_server, policy=policy) as client:
        error = await failure(client.embed(["slow"]))
    assert time.monotonic() - started < 3
    assert "did not answer within 0.3 s" in error.message
    assert error.message.startswith(f"lmstudio at {ai_server.url}/embeddings")


async def test_a_timeout_is_retried(ai_server: AIServer) -> None:
    ai_server.then(Reply(delay=30))
    async with embedder(ai_server, policy=dataclasses.replace(FAST, timeout=0.3)) as client:
        assert len(await client.embed(["once slow"])) == 1
    assert len(ai_server.requests) == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_failures_are_retried_until_success(ai_server: AIServer, status: int) -> None:
    ai_server.fail(2, status=status)
    async with embedder(ai_server) as client:
        (vector,) = await client.embed(["third time lucky"])
    assert vector == pytest.approx(HashingEmbedder(16).embed_one("third time lucky"))
    assert len(ai_server.requests) == 3


async def test_a_dropped_connection_is_retried(ai_server: AIServer) -> None:
    ai_server.then(Reply(drop=True))
    async with embedder(ai_server) as client:
        assert len(await client.embed(["again"])) == 1
    assert len(ai_server.requests) == 2


async def test_retries_give_up_with_what_the_provider_said(ai_server: AIServer) -> None:
    ai_server.fail(10, status=500)
    async with embedder(ai_server, policy=dataclasses.replace(FAST, retries=2)) as client:
        error = await failure(client.embed(["never"]))
    assert len(ai_server.requests) == 3
    assert "answered 500 Internal Server Error: test failure 500 (after 3 attempts)" in (
        error.message
    )
    assert error.extensions is not None
    assert (error.extensions["provider"], error.extensions["status"]) == ("lmstudio", 500)


async def test_retry_after_is_honoured(ai_server: AIServer) -> None:
    ai_server.then(Reply(status=429, json={"error": "slow down"}, headers={"retry-after": "0.4"}))
    started = time.monotonic()
    async with embedder(ai_server, policy=dataclasses.replace(FAST, backoff=0.0)) as client:
        assert len(await client.embed(["patient"])) == 1
    assert time.monotonic() - started >= 0.4
    assert len(ai_server.requests) == 2


async def test_a_retry_after_beyond_the_cap_fails_at_once(ai_server: AIServer) -> None:
    ai_server.then(Reply(status=429, json={"error": "quota"}, headers={"retry-after": "3600"}))
    policy = dataclasses.replace(FAST, max_retry_after=1.0)
    async with embedder(ai_server, policy=policy) as client:
        error = await failure(client.embed(["impatient"]))
    assert len(ai_server.requests) == 1
    assert "retry after 3600 s, longer than the 1 s Aura waits" in error.message


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_client_errors_are_not_retried(ai_server: AIServer, status: int) -> None:
    ai_server.fail(1, status=status)
    async with embedder(ai_server) as client:
        error = await failure(client.embed(["bad"]))
    assert len(ai_server.requests) == 1
    assert f"answered {status} " in error.message
    assert f"test failure {status}" in error.message
    assert "attempts" not in error.message


async def test_an_unreachable_provider_is_a_provider_error() -> None:
    async with AIServer() as gone:
        url = gone.url
    client = OpenAIEmbedder(
        provider="vllm",
        url=url,
        model="m",
        dimension=16,
        policy=dataclasses.replace(FAST, retries=1),
    )
    async with client:
        error = await failure(client.embed(["anyone?"]))
    assert "could not be reached" in error.message
    assert "after 2 attempts" in error.message


async def test_a_wrong_dimension_is_refused(ai_server: AIServer) -> None:
    ai_server.dimension = 8
    async with embedder(ai_server, dimension=16) as client:
        error = await failure(client.embed(["short"]))
    assert "8-dimensional embeddings; this installation uses 16" in error.message
    assert "lmstudio (model nomic-embed)" in error.message


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(text="<html>gateway</html>"), "with no JSON: <html>gateway</html>"),
        (Reply(json={"data": "nope"}), "without a `data` list"),
        (Reply(json={"data": [{"index": 5, "embedding": [1.0] * 16}]}), "index 5 for 1 texts"),
        (Reply(json={"data": []}), "returned 0 embeddings for 1 texts"),
        (Reply(json={"data": [{"index": 0, "embedding": [0.0] * 16}]}), "zero, NaN or infinite"),
        (Reply(json={"data": [{"index": 0, "embedding": ["a"] * 16}]}), "not numbers"),
    ],
)
async def test_malformed_answers_are_provider_errors(
    ai_server: AIServer, reply: Reply, said: str
) -> None:
    ai_server.then(reply)
    async with embedder(ai_server) as client:
        error = await failure(client.embed(["x"]))
    assert said in error.message


# -- chat completions ------------------------------------------------------------------------


async def test_chat_sends_messages_and_returns_the_text(ai_server: AIServer) -> None:
    ai_server.chat_answer = lambda messages: f"you said {messages[-1]['content']}"
    async with chat(ai_server) as client:
        text = await client.complete([user("hello")], temperature=0.2, max_tokens=50)
    assert text == "you said hello"
    (request,) = ai_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body == {
        "model": "llama3",
        "messages": [{"role": "user", "content": "hello"}],
        "temperature": 0.2,
        "max_tokens": 50,
    }


@pytest.mark.parametrize(
    "answer",
    [
        '{"aligned": true, "score": 6}',
        'Sure! ```json\n{"aligned": true, "score": 6}\n``` Hope that helps.',
        'Here it is: {"aligned": true, "score": 6}',
    ],
)
async def test_chat_json_is_parsed_leniently(ai_server: AIServer, answer: str) -> None:
    ai_server.chat_answer = answer
    schema = {"type": "object", "required": ["aligned", "score"]}
    async with chat(ai_server) as client:
        value = await client.complete_json([user("rate it")], schema=schema)
    assert value == {"aligned": True, "score": 6}
    body = ai_server.requests[0].body
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][1] == {"role": "user", "content": "rate it"}
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema
    assert body["response_format"]["json_schema"]["strict"] is False


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("I think it is well aligned.", "did not answer with the JSON asked for: 'I think"),
        ('{"aligned": true}', "answered JSON without score"),
        ("[1, 2]", "answered JSON that is not a object"),
    ],
)
async def test_chat_json_that_is_not_what_was_asked_is_a_provider_error(
    ai_server: AIServer, answer: str, said: str
) -> None:
    ai_server.chat_answer = answer
    async with chat(ai_server) as client:
        error = await failure(
            client.complete_json(
                [user("rate it")], schema={"type": "object", "required": ["aligned", "score"]}
            )
        )
    assert said in error.message
    assert error.message.startswith("ollama model llama3")


async def test_chat_retries_and_errors_like_embeddings(ai_server: AIServer) -> None:
    ai_server.fail(1, status=503)
    ai_server.then(Reply(json={"choices": []}))
    async with chat(ai_server) as client:
        error = await failure(client.complete([user("hi")]))
    assert len(ai_server.requests) == 2
    assert "without choices[0].message.content" in error.message
    ai_server.fail(1, status=400)
    async with chat(ai_server) as client:
        error = await failure(client.complete([user("hi")]))
    assert "answered 400 Bad Request" in error.message
    assert len(ai_server.requests) == 3


# -- choosing a provider ---------------------------------------------------------------------


def test_offline_is_the_default_and_has_no_llm() -> None:
    client = embedder_from(AIConfig(), 32)
    assert isinstance(client, HashingEmbedder)
    assert client.dimension == 32
    with pytest.raises(ProviderError, match="no LLM provider configured"):
        chat_from(AIConfig())


async def test_providers_get_their_default_hosts_and_models() -> None:
    made = [
        embedder_from(AIConfig(provider="openrouter", api_key="k"), 16),
        embedder_from(AIConfig(provider="lmstudio", embedding_model="e"), 16),
        embedder_from(AIConfig(provider="ollama", embedding_model="e"), 16),
        embedder_from(AIConfig(provider="openai", api_key="k"), 16),
    ]
    try:
        assert [(e.transport.url, e.model) for e in made] == [
            ("https://openrouter.ai/api/v1", "openai/text-embedding-3-small"),
            ("http://localhost:1234/v1", "e"),
            ("http://localhost:11434/v1", "e"),
            ("https://api.openai.com/v1", "text-embedding-3-small"),
        ]
    finally:
        for client in made:
            await client.aclose()
    assert base_url("http://gpu:1234/") == "http://gpu:1234/v1"
    assert base_url("https://openrouter.ai/api/v1") == "https://openrouter.ai/api/v1"


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (AIConfig(provider="skynet"), "unknown AI provider 'skynet'"),
        (AIConfig(provider="openrouter"), "needs an API key (system setting openrouter_key)"),
        (AIConfig(provider="openai"), "needs an API key (system setting ai_api_key)"),
        (AIConfig(provider="lmstudio"), "needs a model: set the system setting embedding_model"),
        (AIConfig(provider="vllm", host="ftp://x", embedding_model="m"), "not an http(s) URL"),
    ],
)
def test_incomplete_configurations_are_provider_errors(config: AIConfig, said: str) -> None:
    with pytest.raises(ProviderError) as caught:
        embedder_from(config, 16)
    assert said in caught.value.message


def test_operator_pins_override_the_settings() -> None:
    stored = {"ai_provider": "lmstudio", "ai_host": "http://gpu:1234", "embedding_model": "e"}
    assert config_from(stored, Settings()).provider == "lmstudio"
    pinned = config_from(stored, Settings(ai_provider="Offline", ai_api_key="pin"))
    assert (pinned.provider, pinned.host, pinned.api_key) == ("offline", "http://gpu:1234", "pin")
    openrouter = config_from({"ai_provider": "openrouter", "openrouter_key": "sk-or"}, Settings())
    assert openrouter.api_key == "sk-or"
    assert "sk-or" not in repr(openrouter)


# -- from the installation's system settings -------------------------------------------------


async def set_setting(admin: Client, key: str, value: str) -> None:
    answer = await admin.gql(
        "mutation($input: SetSystemSettingInput!) { setSystemSetting(input: $input) { key } }",
        {"input": {"key": key, "value": value}},
    )
    assert answer.ok() == {"setSystemSetting": {"key": key}}


async def test_the_installation_embedder_follows_system_settings(
    server: Server, client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    state = server.app.state
    settings = dataclasses.replace(server.settings, embedding_dimension=16)
    cache = providers(state.pool, state.vault, settings)
    cache.refresh = 0.3  # the default (2 s) would only make the test slower
    assert isinstance(
        await installation_embedder(state.pool, state.vault, settings), HashingEmbedder
    )
    admin = client.as_(people.admin)
    await set_setting(admin, "ai_provider", "openrouter")
    await set_setting(admin, "ai_host", ai_server.url)
    await set_setting(admin, "embedding_model", "openai/text-embedding-3-small")
    await set_setting(admin, "openrouter_key", "sk-or-v1-sealed")
    sealed = await db.fetchrow(
        "SELECT value, is_secret FROM system_settings WHERE key = $1", "openrouter_key"
    )
    assert (sealed["value"], sealed["is_secret"]) == (None, True)
    # A member cannot read the key; the server can.
    assert (await client.gql('{ systemSetting(key: "openrouter_key") { value } }')).ok() == {
        "systemSetting": None
    }
    config = await read_ai_config(state.pool, state.vault, settings)
    assert (config.provider, config.host, config.api_key) == (
        "openrouter",
        ai_server.url,
        "sk-or-v1-sealed",
    )

    async def remote() -> Any:
        made = await installation_embedder(state.pool, state.vault, settings)
        return made if isinstance(made, OpenAIEmbedder) else None

    embedder = await until(remote, "the new provider to take effect", within=5)
    assert len(await embedder.embed(["from the settings"])) == 1
    (request,) = ai_server.requests
    assert request.headers["authorization"] == "Bearer sk-or-v1-sealed"
    assert request.body["model"] == "openai/text-embedding-3-small"
    # The client is kept while the configuration stays.
    assert await installation_embedder(state.pool, state.vault, settings) is embedder

    # Chat needs llm_model's default only; back to offline, chat fails at once.
    chat_client = await installation_chat(state.pool, state.vault, settings)
    assert chat_client.model == "openai/gpt-4o-mini"
    await set_setting(admin, "ai_provider", "offline")
    started = time.monotonic()
    await until(lambda: installation_offline(state, settings), "offline to take effect", within=5)
    assert time.monotonic() - started <= cache.refresh + 1
    with pytest.raises(ProviderError, match="no LLM provider configured"):
        await installation_chat(state.pool, state.vault, settings)


async def installation_offline(state: Any, settings: Settings) -> bool:
    return isinstance(
        await installation_embedder(state.pool, state.vault, settings), HashingEmbedder
    )


async def test_an_unknown_provider_setting_is_a_provider_error(
    server: Server, client: Client, people: People
) -> None:
    await set_setting(client.as_(people.admin), "ai_provider", "skynet")
    state = server.app.state
    with pytest.raises(ProviderError, match="unknown AI provider 'skynet'"):
        await installation_embedder(state.pool, state.vault, server.settings)
