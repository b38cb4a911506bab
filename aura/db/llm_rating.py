"""An LLM's Likert rating of a data record (seed 004): realism and quality, 1 to 7,
asked of the installation's chat model as JSON and stored under the all-zero user ID
with the model's name (rating again with the same model replaces its rating)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aura import errors
from aura.ai.chat import ChatClient, system, user
from aura.db.tables.dataops import LLM_USER_ID

MAX_GUIDELINES_CHARS = 12_000
MAX_RECORD_CHARS = 8_000
SCALES = ("realism", "quality")

INSTRUCTIONS = """You rate one record of a data-labelling project on two Likert scales \
from 1 to 7:
- "realism": 1 = clearly artificial or implausible, 7 = indistinguishable from a real one;
- "quality": 1 = poor, 7 = excellent (judged against the project's guidelines when given).
Answer a JSON object {"realism": <integer 1-7>, "quality": <integer 1-7>}."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {s: {"type": "integer", "minimum": 1, "maximum": 7} for s in SCALES},
    "required": list(SCALES),
}

_RECORD = """
SELECT r.id::text, r.type, r.content, p.guidelines
FROM data_records r JOIN projects p ON p.id = r.project_id WHERE r.id = $1::uuid"""

_UPSERT = """
INSERT INTO likert_scores (record_id, user_id, realism_score, quality_score, llm_model)
VALUES ($1::uuid, $2, $3, $4, $5)
ON CONFLICT (record_id, user_id, llm_model)
DO UPDATE SET realism_score = EXCLUDED.realism_score, quality_score = EXCLUDED.quality_score
RETURNING *"""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " […]"


def prompt(record: Any) -> list[dict[str, str]]:
    guidelines = (record["guidelines"] or "").strip()
    context = f"Guidelines:\n<<<\n{_clip(guidelines, MAX_GUIDELINES_CHARS)}\n>>>\n\n"
    return [
        system(INSTRUCTIONS),
        user(
            (context if guidelines else "")
            + f"Record ({record['type']}):\n{_clip(record['content'], MAX_RECORD_CHARS)}"
        ),
    ]


def scores(answer: dict[str, Any], who: str) -> tuple[int, int]:
    """The two scores of a model's answer; ProviderError unless both are 1 to 7."""
    found = []
    for scale in SCALES:
        value = answer.get(scale)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 7:
            raise errors.ProviderError(
                f"{who} answered a {scale} score of {value!r}: not an integer from 1 to 7"
            )
        found.append(value)
    return found[0], found[1]


async def rate(
    session: Any, chat_client: Callable[[], Awaitable[ChatClient]], record_id: str
) -> Any:
    """Rate a record the session can see (NOT_FOUND otherwise) and store the rating;
    nothing is written when the provider fails or answers out of range."""
    record = await session.fetchrow(_RECORD, record_id)
    if record is None:
        raise errors.NotFound(f"no data record with id {record_id}")
    chat = await chat_client()
    answer = await chat.complete_json(prompt(record), schema=SCHEMA)
    realism, quality = scores(answer, f"{chat.provider} model {chat.model}")
    return await session.fetchrow(_UPSERT, record_id, LLM_USER_ID, realism, quality, chat.model)
