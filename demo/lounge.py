"""What bob and carol say in the demo room: lines made from a small grammar,
with a few scripted moments among them (a typo corrected, a mention of
alice, a multi-line paste), so an hour of demo does not loop the same lines.

Seeded (``random.Random``): a run is reproducible, and a test can read the
same talk the bots will say. No dependency beyond the standard library.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Iterator, NamedTuple

SPEAKERS = ("bob", "carol")


class Said(NamedTuple):
    nick: str
    text: str
    correction: str | None = None  # sent a moment later as a XEP-0308 correction


# Scripted moments that show a feature; one every few grammar lines.
MOMENTS = [
    # a typo, corrected a moment later (XEP-0308): the line changes in place, marked ✎
    Said("carol", "hey bob, did teh release go out?", "hey bob, did the release go out?"),
    # a mention of the demo user's nick: the room window lights up as a highlight
    Said("bob", "alice: what do you think of the nick list?"),
    # a multi-line message: shown with its line breaks and a hanging indent
    Said("bob", "pasted my ~/.tmux.conf for the paste test:\n"
                "set -g set-clipboard on\nset -g default-terminal tmux-256color"),
    Said("carol", "alice: you can /topic the lounge now, go ahead"),
    Said("bob", "the archive caught up in 0.3 secnods", "the archive caught up in 0.3 seconds"),
    Said("carol", "a haiku for the release:\nthe stanza arrives\nstored before it is shown, once\nno line comes back twice"),
]

GRAMMAR = {
    "line": ["{thing} {verdict}", "anyone tried {thing}?", "I think {thing} {verdict}",
             "{ack}, {thing} {verdict}", "{exclaim}", "does {thing} work in {place}?",
             "{ack}. {thing} holds up in {place}", "brb, {errand}", "back. {ack}",
             "today I learned: {thing} {verdict}", "{thing} or {thing2}?", "what about {thing}?"],
    "thing": ["the new key map", "bracketed paste", "the nick list", "the roster pane", "my tmux config",
              "the archive catch-up", "stream management", "the blog window", "tab completion",
              "the status bar", "OTR", "/correct", "the window bar", "Alt+A", "/lastlog",
              "the paste prompt", "/search", "Ctrl+P", "OpenPGP", "the day-change line"],
    "verdict": ["works nicely over ssh", "is faster than I expected", "needs a second look",
                "finally behaves like irssi", "broke my muscle memory", "is growing on me",
                "survived the train wifi", "made my day", "could use another colour", "just works",
                "is the first thing I show people", "did not lose a single line"],
    "ack": ["heh", "true", "agreed", "nice", "hmm", "fair point", "ha", "same here", "right", "indeed"],
    "exclaim": ["+1", "oh?", "wait, really?", "ha!", "nice!", "hmm."],
    "place": ["screen", "tmux", "mosh", "a 60-column terminal", "kitty", "urxvt", "termux",
              "a serial console"],
    "errand": ["coffee", "making tea", "the cat wants out", "a phone call", "lunch", "the door"],
}
GRAMMAR["thing2"] = GRAMMAR["thing"]


def _expand(rng: random.Random, symbol: str) -> str:
    template = rng.choice(GRAMMAR[symbol])
    out = []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        out.append(before)
        out.append(_expand(rng, name))
    out.append(rest)
    return "".join(out)


def _line(rng: random.Random) -> str:
    text = _expand(rng, "line")
    return text[0].upper() + text[1:] if rng.random() < 0.3 else text


def talk(seed: int = 12, *, every: tuple[int, int] = (4, 8), recent: int = 30) -> Iterator[Said]:
    """An endless talk: grammar lines by turns of bob and carol (mostly
    alternating), a scripted moment every ``every`` lines (shuffled, each
    once before any repeats), no line again within ``recent`` lines."""
    rng = random.Random(seed)
    moments: list[Said] = []
    said: deque[str] = deque(maxlen=recent)
    speaker = rng.choice(SPEAKERS)
    until_moment = rng.randint(*every)
    while True:
        until_moment -= 1
        if until_moment <= 0 and not moments:
            moments = rng.sample(MOMENTS, len(MOMENTS))
        if until_moment <= 0 and moments[-1].text.lower() not in said:
            line = moments.pop()
            until_moment = rng.randint(*every)
        else:  # (a moment said too recently waits for the next turn)
            speaker = speaker if rng.random() < 0.25 else SPEAKERS[1 - SPEAKERS.index(speaker)]
            text = _line(rng)
            while text.lower() in said:
                text = _line(rng)
            line = Said(speaker, text)
        said.append(line.text.lower())
        yield line
