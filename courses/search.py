"""Chinese-aware search over the database backends (SQLite FTS5 and PostgreSQL tsvector).

Both backends split text into tokens at spaces and punctuation only, so "胡公为官一任" is
indexed as one token and a search for "胡公" finds nothing. We therefore index a
space-separated copy of each page's text holding, for every run of Chinese characters:

- the words jieba finds (search mode, so long words also yield their sub-words),
- every single character and every pair of adjacent characters.

A query is cut into words with jieba and each word becomes the tokens that must all be
present: itself when it has one or two characters, otherwise its adjacent pairs. Because
every character and pair of the text is indexed, any query whose words occur in the text
matches, whether or not jieba knows them ("潘国诏" is not in its dictionary); pairs keep
matches precise ("红包" does not match a text that only has "红" and "包" apart).
"""

from __future__ import annotations

import re

import jieba

jieba.setLogLevel(60)

# Names and terms of this platform that jieba's dictionary splits wrongly.
for _word in (
    "胡公",
    "胡则",
    "聂耳",
    "潘国诏",
    "家训",
    "家风",
    "八项规定",
    "小红包",
    "清廉",
):
    jieba.add_word(_word)

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def segment_for_index(text: str) -> str:
    """Tokens to index for `text`, space separated (order and repeats do not matter)."""
    tokens: set[str] = set()
    for match in _TOKEN.finditer(text):
        run = match.group()
        if _CJK_RUN.fullmatch(run):
            tokens.update(w for w in jieba.cut_for_search(run) if w.strip())
            tokens.update(run)
            tokens.update(_pairs(run))
        else:
            tokens.add(run.lower())
    return " ".join(sorted(tokens))


def segment_query(query: str) -> str:
    """Tokens that must all occur for a page to match `query`, space separated."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(query):
        run = match.group()
        if not _CJK_RUN.fullmatch(run):
            tokens.append(run.lower())
            continue
        for word in jieba.cut(run):
            word = word.strip()
            if not word:
                continue
            tokens.extend([word] if len(word) <= 2 else _pairs(word))
    return " ".join(dict.fromkeys(tokens))


def search_pages(*, queryset, query: str):
    """Search `queryset` (pages) for `query`, best matches first.

    Every token must match (AND): a two-word query narrows results instead of widening
    them. Returns the backend's lazy search results.
    """
    terms = segment_query(query)
    if not terms:
        return queryset.none()
    return queryset.search(terms, operator="and")
