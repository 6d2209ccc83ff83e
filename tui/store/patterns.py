"""Turning what the user typed into safe FTS5 queries and LIKE patterns.

User text never reaches FTS5's query syntax: every word becomes a quoted
string, so ``"``, ``*``, ``-``, ``:``, ``(``, AND/OR/NOT/NEAR are plain text.
"""

from __future__ import annotations

import re

# A balanced "quoted phrase", or a run of non-space characters.
_TERM = re.compile(r'"([^"]*)"|(\S+)')


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _has_word(text: str) -> bool:
    """FTS5's unicode61 tokenizer keeps letters and digits; a term without
    any would match nothing (or everything), so it is dropped."""
    return any(ch.isalnum() for ch in text)


def fts_query(pattern: str, columns: tuple[str, ...] = ("body", "corrected_body")) -> str | None:
    """An FTS5 MATCH expression finding rows whose ``columns`` (a message's
    text, by default) hold all the words of ``pattern`` (AND), or None when
    it has no word at all.

    ``"two words"`` in balanced quotes is a phrase; a trailing ``*`` on a
    word is a prefix search (``prog*`` finds "programme"); everything else
    is literal.
    """
    terms = []
    for match in _TERM.finditer(pattern):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            if _has_word(phrase):
                terms.append(_quote(phrase))
            continue
        if word.endswith("*") and _has_word(word):
            stem = word.rstrip("*")
            # A stem ending in a separator ("foo-*") has no last token to extend.
            if stem and stem[-1].isalnum():
                terms.append(_quote(stem) + "*")
                continue
        if _has_word(word):
            terms.append(_quote(word))
    if not terms:
        return None
    # Only the text columns: the messages' index also holds each row's peer id.
    return "{" + " ".join(columns) + "} : (" + " ".join(terms) + ")"


def fts_peer_filter(peer_id: int) -> str:
    return f'peer_id : "{int(peer_id)}" AND '


LIKE_ESCAPE = "\\"


def like_contains(substring: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching ``substring`` literally anywhere."""
    escaped = (
        substring.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
