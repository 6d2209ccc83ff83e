"""tui.core.highlight: does a room line mention us?"""

from __future__ import annotations

import pytest

from tui.core.highlight import mentions


@pytest.mark.parametrize("text", ["alice: ping", "hi Alice!", "ALICE", "ping alice", "(alice)", "@alice, look"])
def test_our_nick_as_a_whole_word_in_any_case(text: str) -> None:
    assert mentions(text, "alice")


@pytest.mark.parametrize("text", ["malice", "alice42", "alices", "my_alice", "", "bob: ping"])
def test_not_inside_another_word(text: str) -> None:
    assert not mentions(text, "alice")


def test_nicks_with_non_word_characters() -> None:
    assert mentions("[bob]: hello", "[bob]")
    assert mentions("alice_: there?", "alice_")
    assert not mentions("alice: there?", "alice_")
    assert mentions("a.b said", "a.b") and not mentions("axb said", "a.b")  # the dot is literal


def test_configured_words_and_empty_ones() -> None:
    assert mentions("the release is out", "alice", ["Release"])
    assert not mentions("the releases are out", "alice", ["release"])
    assert not mentions("anything", "", ["", "  "])
