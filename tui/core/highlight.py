"""Does a line mention us? Our nick, or one of the user's highlight words.

Word-bounded and case-insensitive, like Irssi's nick highlight: "alice:
ping" and "hi Alice!" mention alice, "malice" and "alice42" do not. A nick
may hold characters that are not word characters ("[bob]", "alice_"), so
the boundary is "no word character right before or after", not ``\\b``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=256)
def _pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def mentions(text: str, nick: str, words: Iterable[str] = ()) -> bool:
    """True when ``text`` names ``nick`` or any of ``words`` as a whole word."""
    for word in (nick, *words):
        word = word.strip()
        if word and _pattern(word).search(text):
            return True
    return False
