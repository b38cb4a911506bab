"""BENCHMARKS.md is shared by several benchmarks: the query comparison (``python -m
bench``) writes the top of it, and every other benchmark owns one ``## <title>`` section
that it replaces (or appends) without touching the rest. The query report keeps those
sections when it rewrites the top.
"""

from __future__ import annotations

import re
from pathlib import Path

# The sections other benchmarks own, by their heading; the query report keeps them.
OWNED = (
    "Subscriptions",
    "Port allocation",
    "Knowledge search",
    "Data ingest",
    "Compiled path: Q5 and Q6",
    "Where Q1's time goes",
)


def _pattern(title: str) -> re.Pattern[str]:
    return re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)


def write_section(path: Path, title: str, section: str) -> None:
    """Replace BENCHMARKS.md's ``## title`` section with ``section`` (or append it)."""
    if not section.startswith(f"## {title}\n"):
        raise ValueError(f"a section of {title!r} must start with its heading")
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = _pattern(title)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def kept_sections(path: Path) -> list[str]:
    """The owned sections BENCHMARKS.md has now, in the order they appear."""
    if not path.exists():
        return []
    text = path.read_text()
    found = [(m.start(), m.group(0)) for t in OWNED for m in _pattern(t).finditer(text)]
    return [body.rstrip("\n") for _, body in sorted(found)]
