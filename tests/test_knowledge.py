"""The knowledge base over HTTP: ingest (chunking, dedup, re-ingest), vector / text /
hybrid search against exact computations, learnings, the search log, the views, bad
input, and the start-up dimension check."""

from __future__ import annotations

import math
import random
from typing import Any

import asyncpg
import pytest
from pgvector import Vector

from aura.config import Settings
from aura.db.embeddings import EmbeddingDimensionMismatch, check_embedding_dimension
from aura.db.pool import create_pool
from tests import factories
from tests.conftest import Client, People, Response

DIMENSION = Settings().embedding_dimension

_INGEST = """
mutation($input: IngestKnowledgeSourceInput!) {
  ingestKnowledgeSource(input: $input) {
    source {
      id title projectId indexedAt
      chunks(first: 100) { nodes { id chunkIndex contentHash content } }
    }
    chunksAdded chunksUnchanged chunksRemoved chunksEmbedded
  }
}
"""

_SEARCH = """
query($query: String, $embedding: Vector, $projectId: ID, $limit: Int! = 10,
      $minSimilarity: Float, $mode: SearchMode! = VECTOR, $filter: KnowledgeChunkFilter) {
  searchKnowledge(query: $query, embedding: $embedding, projectId: $projectId, limit: $limit,
                  minSimilarity: $minSimilarity, mode: $mode, filter: $filter) {
    queryId mode
    hits { score similarity textRank vectorPosition textPosition chunk { id content sourceId } }
  }
}
"""


def paragraphs(*topics: str) -> str:
    return "\n\n".join(
        f"The {t} subsystem handles {t} requests. Operators tune {t} carefully. "
        f"Every {t} change is reviewed twice."
        for t in topics
    )


def unit(rng: random.Random, dimension: int = DIMENSION) -> list[float]:
    vector = [rng.gauss(0, 1) for _ in range(dimension)]
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector]


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


async def ingest(client: Client, **input: Any) -> Response:
    return await client.gql(_INGEST, {"input": input})


async def search(client: Client, **variables: Any) -> Response:
    return await client.gql(_SEARCH, variables)


async def counts(db: asyncpg.Connection) -> dict[str, int]:
    tables = ("knowledge_sources", "knowledge_chunks", "learnings", "search_queries")
    return {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in tables}


# -- ingest ------------------------------------------------------------------------------


async def test_ingest_chunks_embeds_and_reingest_replaces_only_what_changed(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    text = paragraphs("billing", "search", "storage", "auth")
    first = (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="document",
            sourceId="docs/ops.md",
            title="Operations",
            text=text,
            chunkSize=24,
            chunkOverlap=0,
        )
    ).ok()["ingestKnowledgeSource"]
    chunks = first["source"]["chunks"]["nodes"]
    assert first["chunksAdded"] == first["chunksEmbedded"] == len(chunks) == 4
    assert first["chunksUnchanged"] == first["chunksRemoved"] == 0
    assert first["source"]["indexedAt"] is not None
    assert [c["chunkIndex"] for c in chunks] == [0, 1, 2, 3]
    rows = await db.fetch(
        "SELECT id::text, content_hash, token_count, vector_dims(embedding) AS dims,"
        " search_vector IS NOT NULL AS searchable FROM knowledge_chunks ORDER BY chunk_index"
    )
    assert [r["id"] for r in rows] == [c["id"] for c in chunks]
    assert all(r["dims"] == DIMENSION and r["searchable"] and r["token_count"] > 0 for r in rows)

    # the same source again (named by its identity): nothing embedded, nothing changed
    again = (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="document",
            sourceId="docs/ops.md",
            text=text,
            chunkSize=24,
            chunkOverlap=0,
        )
    ).ok()["ingestKnowledgeSource"]
    assert again["source"]["id"] == first["source"]["id"]
    assert (again["chunksAdded"], again["chunksUnchanged"], again["chunksRemoved"]) == (0, 4, 0)
    assert again["chunksEmbedded"] == 0
    assert again["source"]["indexedAt"] >= first["source"]["indexedAt"]

    # one paragraph changed, one removed, one moved: only the changed one is new
    changed = paragraphs("storage", "billing", "queueing")
    third = (
        await ingest(client, id=first["source"]["id"], text=changed, chunkSize=24, chunkOverlap=0)
    ).ok()["ingestKnowledgeSource"]
    assert (third["chunksAdded"], third["chunksUnchanged"], third["chunksRemoved"]) == (1, 2, 2)
    after = third["source"]["chunks"]["nodes"]
    by_id = {c["id"]: c for c in chunks}
    assert [c["content"].split()[1] for c in after] == ["storage", "billing", "queueing"]
    assert by_id[after[0]["id"]]["content"] == after[0]["content"]  # kept, moved to 0
    assert by_id[after[1]["id"]]["chunkIndex"] == 0
    assert after[1]["chunkIndex"] == 1
    assert after[2]["id"] not in by_id
    assert await db.fetchval("SELECT count(*) FROM knowledge_chunks") == 3
    assert await db.fetchval("SELECT count(*) FROM knowledge_sources") == 1


async def test_ingest_takes_client_chunks_and_vectors(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    rng = random.Random(7)
    vectors = [unit(rng) for _ in range(3)]
    payload = (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="chat",
            title="A chat",
            chunks=[
                {"content": "first message", "embedding": vectors[0], "metadata": {"turn": 1}},
                {"content": "second message", "embedding": vectors[1]},
                {"content": "first message", "embedding": vectors[2]},  # a duplicate: dropped
                {"content": "third message"},  # embedded by the provider
            ],
        )
    ).ok()["ingestKnowledgeSource"]
    assert (payload["chunksAdded"], payload["chunksEmbedded"]) == (3, 1)
    rows = await db.fetch(
        "SELECT content, embedding, metadata FROM knowledge_chunks ORDER BY chunk_index"
    )
    assert [r["content"] for r in rows] == ["first message", "second message", "third message"]
    assert rows[0]["metadata"] == {"turn": 1}
    for row, vector in zip(rows, vectors[:2], strict=False):
        assert row["embedding"].to_list() == pytest.approx(vector, abs=1e-6)


async def test_refused_ingests_write_nothing(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client)
    base = {"projectId": project["id"], "sourceType": "document", "title": "T"}
    cases = [
        ({**base}, "exactly one of text and chunks"),
        ({**base, "text": "a", "chunks": [{"content": "b"}]}, "exactly one of text and chunks"),
        ({**base, "text": "   "}, "text is empty"),
        ({**base, "text": "Some words.", "chunkSize": 4}, "chunkSize"),
        ({**base, "text": "Some words.", "chunkOverlap": 150}, "chunkOverlap"),
        ({**base, "chunks": [{"content": "x", "embedding": [0.1, 0.2]}]}, "2 dimensions"),
        ({"sourceType": "document", "title": "T", "text": "words."}, "projectId"),
        ({**base, "projectId": "not-an-id", "text": "words."}, "projectId"),
    ]
    before = await counts(db)
    for input, message in cases:
        response = await ingest(client, **input)
        assert response.codes == ["BAD_USER_INPUT"], (input, response.errors)
        assert message in response.errors[0]["message"], response.errors
    assert await counts(db) == before


# -- search ------------------------------------------------------------------------------


async def _vector_corpus(client: Client, rng: random.Random, size: int) -> dict[str, list]:
    """``size`` chunks with random vectors, 20 per source (a request body holds about 30
    vectors of 1536 numbers)."""
    project = await factories.project(client, "corpus")
    vectors = [unit(rng) for _ in range(size)]
    for start in range(0, size, 20):
        payload = (
            await ingest(
                client,
                projectId=project["id"],
                sourceType="generated",
                sourceId=f"batch-{start}",
                title="vectors",
                chunks=[
                    {"content": f"chunk number {i}", "embedding": vectors[i]}
                    for i in range(start, min(size, start + 20))
                ],
            )
        ).ok()["ingestKnowledgeSource"]
        assert payload["chunksAdded"] == min(20, size - start)
    return {"project": project, "vectors": vectors}


async def test_vector_search_returns_the_exact_nearest_best_first(
    client: Client, db: asyncpg.Connection
) -> None:
    rng = random.Random(11)
    corpus = await _vector_corpus(client, rng, 120)
    query = unit(rng)
    expected = sorted(
        ((cosine(query, v), f"chunk number {i}") for i, v in enumerate(corpus["vectors"])),
        reverse=True,
    )[:10]
    found = (await search(client, embedding=query, limit=10)).ok()["searchKnowledge"]
    hits = found["hits"]
    assert [h["chunk"]["content"] for h in hits] == [c for _, c in expected]
    assert [h["similarity"] for h in hits] == pytest.approx([s for s, _ in expected], abs=1e-5)
    assert [h["vectorPosition"] for h in hits] == list(range(1, 11))
    assert [h["score"] for h in hits] == [h["similarity"] for h in hits]

    # minSimilarity cuts the tail; the filter narrows the candidates
    floor = (expected[4][0] + expected[5][0]) / 2
    cut = (await search(client, embedding=query, minSimilarity=floor)).ok()["searchKnowledge"]
    assert [h["chunk"]["content"] for h in cut["hits"]] == [c for _, c in expected[:5]]
    chosen = ["chunk number 3", "chunk number 4", "chunk number 5"]
    narrowed = (await search(client, embedding=query, filter={"content": {"in": chosen}})).ok()[
        "searchKnowledge"
    ]
    assert sorted(h["chunk"]["content"] for h in narrowed["hits"]) == chosen

    # every search is logged with what it found
    log = await db.fetchrow(
        "SELECT user_id::text, search_type, result_count, top_result_id::text,"
        " top_result_similarity, filters, vector_dims(query_embedding) AS dims"
        " FROM search_queries WHERE id = $1",
        found["queryId"],
    )
    assert log["search_type"] == "VECTOR"
    assert log["result_count"] == 10
    assert log["top_result_id"] == hits[0]["chunk"]["id"]
    assert log["top_result_similarity"] == pytest.approx(hits[0]["similarity"], abs=1e-6)
    assert log["filters"]["limit"] == 10
    assert log["dims"] == DIMENSION
    assert log["user_id"] == client.user.id  # type: ignore[union-attr]


async def test_text_query_is_embedded_and_text_mode_ranks_by_words(client: Client) -> None:
    project = await factories.project(client)
    (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="document",
            title="Ops",
            text=paragraphs("billing", "search", "storage", "auth"),
            chunkSize=24,
            chunkOverlap=0,
        )
    ).ok()
    vector = (await search(client, query="how are storage requests handled")).ok()
    assert "storage" in vector["searchKnowledge"]["hits"][0]["chunk"]["content"]
    text = (await search(client, query="billing", mode="TEXT")).ok()["searchKnowledge"]
    assert [h["chunk"]["content"].split()[1] for h in text["hits"]] == ["billing"]
    hit = text["hits"][0]
    assert hit["textRank"] > 0
    assert hit["score"] == hit["textRank"]
    assert hit["textPosition"] == 1
    assert hit["vectorPosition"] is None


async def test_hybrid_is_the_reciprocal_rank_fusion_of_both_rankings(client: Client) -> None:
    project = await factories.project(client)
    topics = [f"topic{i}" for i in range(12)]
    text = "\n\n".join(
        f"Notes about {t}: the cache {'and the cache again ' * (i % 3)}keeps {t} fast."
        for i, t in enumerate(topics)
    )
    (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="document",
            title="Notes",
            text=text,
            chunkSize=30,
            chunkOverlap=0,
        )
    ).ok()
    query = "cache keeps topic3 fast"
    limit = 5
    by_vector = (await search(client, query=query, limit=50)).ok()["searchKnowledge"]["hits"]
    by_text = (await search(client, query=query, limit=50, mode="TEXT")).ok()
    text_hits = by_text["searchKnowledge"]["hits"]
    scores: dict[str, float] = {}
    similarity = {h["chunk"]["id"]: h["similarity"] for h in by_vector}
    for ranking in (by_vector, text_hits):
        for position, hit in enumerate(ranking, 1):
            scores[hit["chunk"]["id"]] = scores.get(hit["chunk"]["id"], 0) + 1 / (60 + position)
    expected = sorted(scores, key=lambda i: (-scores[i], -similarity[i], i))[:limit]
    fused = (await search(client, query=query, limit=limit, mode="HYBRID")).ok()
    hits = fused["searchKnowledge"]["hits"]
    assert [h["chunk"]["id"] for h in hits] == expected
    assert [h["score"] for h in hits] == pytest.approx([scores[i] for i in expected])
    assert all(h["vectorPosition"] is not None for h in hits)
    assert "Notes about topic3" in hits[0]["chunk"]["content"]


async def test_bad_searches_are_refused_and_not_logged(
    client: Client, db: asyncpg.Connection
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "give a query or an embedding"),
        ({"query": "   "}, "query is empty"),
        ({"query": "words", "limit": 0}, "limit"),
        ({"query": "words", "limit": 101}, "limit"),
        ({"embedding": [0.5, 0.5]}, "2 dimensions"),
        ({"embedding": [0.1] * DIMENSION, "mode": "TEXT"}, "needs a query text"),
        ({"query": "words", "minSimilarity": 2.0}, "minSimilarity"),
        ({"query": "!!! ???"}, "no words"),
    ]
    for variables, message in cases:
        response = await search(client, **variables)
        assert response.codes == ["BAD_USER_INPUT"], (variables, response.errors)
        assert message in response.errors[0]["message"]
    # an infinite component (a GraphQL float literal beyond double precision)
    infinite = "[" + ", ".join(["1e999"] + ["0.5"] * (DIMENSION - 1)) + "]"
    response = await client.gql(f"{{ searchKnowledge(embedding: {infinite}) {{ queryId }} }}")
    assert response.codes == ["BAD_USER_INPUT"]
    assert "NaN or an infinite value" in response.errors[0]["message"]
    # NaN is not JSON: a client that sends it anyway (Python's json does) is refused
    nan = "[" + ", ".join(["NaN"] + ["0.5"] * (DIMENSION - 1)) + "]"
    body = (
        '{"query": "query($e: Vector) { searchKnowledge(embedding: $e) { queryId } }",'
        f' "variables": {{"e": {nan}}}}}'
    )
    raw = await client.http.post(
        "/graphql",
        content=body,
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {client.user.token}",  # type: ignore[union-attr]
        },
    )
    assert raw.status_code in (200, 400)
    assert raw.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "BAD_USER_INPUT")
    assert await db.fetchval("SELECT count(*) FROM search_queries") == 0


async def test_search_is_tenant_scoped(client: Client, people: People) -> None:
    project = await factories.project(client)
    (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="document",
            title="Secret plans",
            text=paragraphs("billing"),
        )
    ).ok()
    bob = client.as_(people.bob)
    assert (await search(bob, query="billing requests")).ok()["searchKnowledge"]["hits"] == []
    foreign = await search(bob, query="billing", projectId=project["id"])
    assert foreign.codes == ["NOT_FOUND"]
    mine = (await search(client, query="billing requests", projectId=project["id"])).ok()
    assert len(mine["searchKnowledge"]["hits"]) == 1
    learning = (
        await create_learning(client, projectId=project["id"], title="Alice's", content="idea")
    )["learning"]
    chunk = await client.gql("{ knowledgeChunks { nodes { id } } }")
    chunk_id = chunk.ok()["knowledgeChunks"]["nodes"][0]["id"]
    for document, variables in (
        (
            'query($p: ID) { searchLearnings(query: "idea", projectId: $p) { queryId } }',
            {"p": project["id"]},
        ),
        (
            "query($id: ID) { findSimilarLearnings(learningId: $id) { queryId } }",
            {"id": learning["id"]},
        ),
    ):
        assert (await bob.gql(document, variables)).codes == ["NOT_FOUND"]
    own = await factories.project(bob, "bobs")
    pointing = await bob.gql(
        "mutation($input: CreateLearningInput!) { createLearning(input: $input) "
        "{ learning { id } } }",
        {
            "input": {
                "projectId": own["id"],
                "title": "t",
                "content": "c",
                "knowledgeChunkIds": [chunk_id],
            }
        },
    )
    assert pointing.codes == ["BAD_USER_INPUT"]
    views = (
        "{ learningEffectiveness { totalCount } "
        "knowledgeCoverageByProject { nodes { projectName } }"
        " popularSearchQueries { nodes { queryText queryCount } } searchQueries { totalCount } }"
    )
    seen = (await bob.gql(views)).ok()
    assert seen["learningEffectiveness"]["totalCount"] == 0
    assert seen["knowledgeCoverageByProject"]["nodes"] == [{"projectName": "bobs"}]
    # bob's own search only (his first one above), not alice's
    assert seen["popularSearchQueries"]["nodes"] == [
        {"queryText": "billing requests", "queryCount": 1}
    ]
    assert seen["searchQueries"]["totalCount"] == 1
    assert (await client.gql(views)).ok()["searchQueries"]["totalCount"] == 1


# -- learnings ---------------------------------------------------------------------------

_LEARNING = "id title usageCount lastUsedAt verified verifiedBy verifiedAt category"


async def create_learning(client: Client, **input: Any) -> dict[str, Any]:
    response = await client.gql(
        f"mutation($input: CreateLearningInput!) {{ createLearning(input: $input) "
        f"{{ learning {{ {_LEARNING} }} similarLearnings {{ similarity learning {{ id }} }} }} }}",
        {"input": input},
    )
    return response.ok()["createLearning"]  # type: ignore[no-any-return]


async def test_learnings_similarity_usage_applications_and_effectiveness(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    project = await factories.project(client)
    pid = project["id"]
    first = await create_learning(
        client,
        projectId=pid,
        title="Index foreign keys",
        content="Every foreign key column needs an index or deletes scan the whole table.",
        category="database",
        verified=True,
    )
    learning = first["learning"]
    assert first["similarLearnings"] == []
    assert learning["verified"]
    assert learning["verifiedBy"] == people.alice.id
    assert learning["verifiedAt"] is not None
    duplicate = await create_learning(
        client,
        projectId=pid,
        title="Index foreign keys",
        content="Every foreign key column needs an index, or deletes scan the whole table!",
        category="database",
    )
    assert [m["learning"]["id"] for m in duplicate["similarLearnings"]] == [learning["id"]]
    assert duplicate["similarLearnings"][0]["similarity"] > 0.9
    other = await create_learning(
        client,
        projectId=pid,
        title="Retry with jitter",
        content="Back off randomly.",
        category="network",
    )
    assert other["similarLearnings"] == []

    found = (
        await client.gql(
            '{ searchLearnings(query: "foreign key index", category: "database") '
            "{ queryId matches { similarity learning { id category } } } }"
        )
    ).ok()["searchLearnings"]
    ids = [m["learning"]["id"] for m in found["matches"]]
    assert set(ids) == {learning["id"], duplicate["learning"]["id"]}
    similar = (
        await client.gql(
            "query($id: ID!) { findSimilarLearnings(learningId: $id) "
            "{ matches { learning { id } } } }",
            {"id": learning["id"]},
        )
    ).ok()["findSimilarLearnings"]["matches"]
    assert [m["learning"]["id"] for m in similar] == [duplicate["learning"]["id"]]

    used = (
        await client.gql(
            f"mutation($id: ID!) {{ incrementLearningUsage(id: $id) {{ {_LEARNING} }} }}",
            {"id": learning["id"]},
        )
    ).ok()["incrementLearningUsage"]
    assert used["usageCount"] == 1
    assert used["lastUsedAt"] is not None
    record = (
        "mutation($input: CreateLearningApplicationInput!) { recordLearningApplication("
        "input: $input) { id outcome projectId learning { usageCount } } }"
    )
    for outcome in ("SUCCESS", "SUCCESS", "FAILURE", "PARTIAL"):
        applied = (
            await client.gql(
                record,
                {
                    "input": {
                        "learningId": learning["id"],
                        "appliedToType": "task",
                        "outcome": outcome,
                        "feedback": "noted",
                    }
                },
            )
        ).ok()["recordLearningApplication"]
        assert applied["projectId"] == pid
        assert applied["outcome"] == outcome
    assert applied["learning"]["usageCount"] == 5
    view = (
        await client.gql(
            "{ learningEffectiveness(filter: {applicationCount: {gt: 0}}) { nodes { id "
            "usageCount applicationCount successfulApplications failedApplications "
            "successRatePercent project { id } } } }"
        )
    ).ok()["learningEffectiveness"]["nodes"]
    assert view == [
        {
            "project": {"id": pid},
            "id": learning["id"],
            "usageCount": 5,
            "applicationCount": 4,
            "successfulApplications": 2,
            "failedApplications": 1,
            "successRatePercent": 50.0,
        }
    ]
    assert await db.fetchval("SELECT usage_count FROM learnings WHERE id = $1", learning["id"]) == 5
    bob = client.as_(people.bob)
    refused = await bob.gql(
        "mutation($id: ID!) { incrementLearningUsage(id: $id) { id } }", {"id": learning["id"]}
    )
    assert refused.codes == ["NOT_FOUND"]


async def test_search_feedback_popular_queries_and_coverage(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client, "covered")
    await factories.project(client, "empty")
    (
        await ingest(
            client,
            projectId=project["id"],
            sourceType="document",
            title="Ops",
            text=paragraphs("billing", "search"),
            chunkSize=24,
            chunkOverlap=0,
        )
    ).ok()
    ids = []
    for text in ("Billing requests", "billing requests ", "search"):
        ids.append((await search(client, query=text)).ok()["searchKnowledge"]["queryId"])
    feedback = (
        "mutation($id: ID!, $helpful: Boolean!) { recordSearchFeedback(searchQueryId: $id, "
        "helpful: $helpful) { id userFeedback } }"
    )
    marked = (await client.gql(feedback, {"id": ids[0], "helpful": True})).ok()
    assert marked["recordSearchFeedback"]["userFeedback"] == "HELPFUL"
    (await client.gql(feedback, {"id": ids[1], "helpful": False})).ok()
    assert await db.fetchval("SELECT user_feedback FROM search_queries WHERE id = $1", ids[1]) == (
        "NOT_HELPFUL"
    )
    popular = (
        await client.gql(
            "{ popularSearchQueries(orderBy: [{field: QUERY_COUNT, direction: DESC}]) "
            "{ nodes { queryText queryCount helpfulCount notHelpfulCount avgResults } } }"
        )
    ).ok()["popularSearchQueries"]["nodes"]
    assert popular[0] == {
        "queryText": "billing requests",
        "queryCount": 2,
        "helpfulCount": 1,
        "notHelpfulCount": 1,
        "avgResults": 2.0,
    }
    coverage = (
        await client.gql(
            "{ knowledgeCoverageByProject(orderBy: [{field: PROJECT_NAME}]) { nodes { "
            "projectName sourceCount chunkCount learningCount totalTokens sourceTypeCount "
            "sourceTypes project { name } } } }"
        )
    ).ok()["knowledgeCoverageByProject"]["nodes"]
    assert [node.pop("project") for node in coverage] == [{"name": "covered"}, {"name": "empty"}]
    tokens = await db.fetchval("SELECT sum(token_count) FROM knowledge_chunks")
    assert coverage == [
        {
            "projectName": "covered",
            "sourceCount": 1,
            "chunkCount": 2,
            "learningCount": 0,
            "totalTokens": tokens,
            "sourceTypeCount": 1,
            "sourceTypes": ["document"],
        },
        {
            "projectName": "empty",
            "sourceCount": 0,
            "chunkCount": 0,
            "learningCount": 0,
            "totalTokens": 0,
            "sourceTypeCount": 0,
            "sourceTypes": [],
        },
    ]


# -- CRUD --------------------------------------------------------------------------------


async def test_crud_of_sources_chunks_learnings_applications_and_searches(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    source = await factories.create(
        client,
        "KnowledgeSource",
        {"projectId": project["id"], "sourceType": "url", "title": "Docs", "url": "https://x"},
        "id title url projectId indexedAt",
    )
    assert source["indexedAt"] is None
    updated = (
        await client.gql(
            'mutation($id: ID!) { updateKnowledgeSource(id: $id, input: {title: "Docs 2"}) '
            "{ title } }",
            {"id": source["id"]},
        )
    ).ok()["updateKnowledgeSource"]
    assert updated["title"] == "Docs 2"
    chunk = await factories.create(
        client,
        "KnowledgeChunk",
        {"sourceId": source["id"], "content": "Caches keep reads fast."},
        "id chunkIndex projectId tokenCount contentHash embedding",
    )
    assert chunk["projectId"] == project["id"]
    assert chunk["chunkIndex"] == 0
    assert chunk["tokenCount"] == 5
    assert len(chunk["embedding"]) == DIMENSION
    second = await factories.create(
        client,
        "KnowledgeChunk",
        {"sourceId": source["id"], "content": "Queues decouple."},
        "chunkIndex",
    )
    assert second["chunkIndex"] == 1
    duplicate = await client.gql(
        "mutation($input: CreateKnowledgeChunkInput!) "
        "{ createKnowledgeChunk(input: $input) { id } }",
        {"input": {"sourceId": source["id"], "content": "Caches keep reads fast."}},
    )
    assert duplicate.codes == ["CONFLICT"]
    rewritten = (
        await client.gql(
            'mutation($id: ID!) { updateKnowledgeChunk(id: $id, input: {content: "Caches keep '
            'writes slow."}) { contentHash tokenCount embedding } }',
            {"id": chunk["id"]},
        )
    ).ok()["updateKnowledgeChunk"]
    assert rewritten["contentHash"] != chunk["contentHash"]
    assert rewritten["embedding"] != chunk["embedding"]
    listed = (
        await client.gql(
            "query($id: ID!) { project(id: $id) { knowledgeSources { nodes { id chunks { "
            "totalCount } } } knowledgeChunks(filter: {tokenCount: {gte: 5}}) { totalCount } } }",
            {"id": project["id"]},
        )
    ).ok()["project"]
    assert listed["knowledgeSources"]["nodes"] == [
        {"id": source["id"], "chunks": {"totalCount": 2}}
    ]
    assert listed["knowledgeChunks"]["totalCount"] == 1

    learning = (await create_learning(client, projectId=project["id"], title="T", content="C"))[
        "learning"
    ]
    changed = (
        await client.gql(
            'mutation($id: ID!) { updateLearning(id: $id, input: {content: "Other words", '
            'tags: ["a"]}) { content tags embedding } }',
            {"id": learning["id"]},
        )
    ).ok()["updateLearning"]
    assert changed["tags"] == ["a"]
    assert await db.fetchval(
        "SELECT embedding = $2 FROM learnings WHERE id = $1",
        learning["id"],
        Vector(changed["embedding"]),
    )
    application = (
        await client.gql(
            "mutation($input: CreateLearningApplicationInput!) { recordLearningApplication("
            "input: $input) { id outcome } }",
            {"input": {"learningId": learning["id"], "appliedToType": "task"}},
        )
    ).ok()["recordLearningApplication"]
    assert application["outcome"] == "UNKNOWN"
    outcome = (
        await client.gql(
            "mutation($id: ID!) { updateLearningApplication(id: $id, input: {outcome: SUCCESS}) "
            "{ outcome } }",
            {"id": application["id"]},
        )
    ).ok()
    assert outcome["updateLearningApplication"]["outcome"] == "SUCCESS"
    query_id = (await search(client, query="caches")).ok()["searchKnowledge"]["queryId"]
    for mutation, key in (
        ("deleteSearchQuery", query_id),
        ("deleteLearningApplication", application["id"]),
        ("deleteLearning", learning["id"]),
        ("deleteKnowledgeChunk", chunk["id"]),
        ("deleteKnowledgeSource", source["id"]),
    ):
        deleted = await client.gql(f"mutation($id: ID!) {{ {mutation}(id: $id) }}", {"id": key})
        assert deleted.ok()[mutation] == key
    assert await counts(db) == {
        "knowledge_sources": 0,
        "knowledge_chunks": 0,
        "learnings": 0,
        "search_queries": 0,
    }


# -- the installation's dimension ----------------------------------------------------------


async def test_start_up_refuses_a_dimension_other_than_the_columns(database: str) -> None:
    pool = await create_pool(database, min_size=1, max_size=1)
    try:
        await check_embedding_dimension(pool, DIMENSION)
        with pytest.raises(EmbeddingDimensionMismatch) as refused:
            await check_embedding_dimension(pool, 384)
    finally:
        await pool.close()
    message = str(refused.value)
    assert "AURA_EMBEDDING_DIMENSION is 384" in message
    assert f"knowledge_chunks.embedding ({DIMENSION})" in message
