"""Issue 12, names: a contact is reached by roster name, by a local part
that only one contact has, or by a JID checked with slixmpp's parser —
and Tab offers exactly what resolves (tui/commands/contacts.py)."""

from __future__ import annotations

import pytest

from tui.commands import build_registry
from tui.commands.completion import complete
from tui.commands.contacts import ContactBook, Known, parse_jid
from tui.commands.registry import CommandError

BOOK = ContactBook([
    Known("bob@example.org", "Bob"),
    Known("carol@example.org", "Carol"),
    Known("carol@work.example", ""),  # a second carol: the local part is ambiguous, the name is not
    Known("dave@example.org", "Dave"),
    Known("david@other.example", "Dave"),  # two contacts named Dave
    Known("erin@example.org", "Erin Kay"),
    Known("frank@example.org", ""),  # a conversation, no roster name
    Known("gateway.example.org", "Gateway"),  # a component: a JID without @
])


def resolved_or_error(text: str) -> str:
    try:
        return BOOK.resolve(text)
    except CommandError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("typed, jid", [
    ("bob", "bob@example.org"),  # a local part only bob has
    ("Bob", "bob@example.org"),  # the roster name, any case
    ("BOB@Example.org", "bob@example.org"),  # a JID, normalised
    ("bob@example.org/phone", "bob@example.org"),  # the resource dropped
    ("Carol", "carol@example.org"),  # the name wins over the ambiguous local part
    ("erin kay", "erin@example.org"),  # a name with a space (typed in quotes)
    ("frank", "frank@example.org"),
    ("gateway.example.org", "gateway.example.org"),
    ("someone@elsewhere.example", "someone@elsewhere.example"),  # any valid JID
])
def test_a_contact_is_reached_by_name_local_part_or_jid(typed, jid):
    assert BOOK.resolve(typed) == jid


def test_an_ambiguous_name_lists_the_candidates_in_one_line():
    message = resolved_or_error("dave")
    assert message == ("error: dave is ambiguous: Dave (dave@example.org), Dave (david@other.example)"
                       " — say which with its JID")
    assert "\n" not in message


def test_an_unknown_word_says_so_and_suggests_what_starts_alike():
    assert resolved_or_error("nobody") == \
        "error: No contact called nobody: not a roster name nor a JID (a JID is name@server)"
    assert "did you mean Bob?" in resolved_or_error("bo")


@pytest.mark.parametrize("typed, reason", [
    ("a@b@c", "Invalid JID a@b@c: second @ found before parsing the resource"),
    ("@example.org", "Invalid JID @example.org: nodepart empty"),
    ("bob@", "Invalid JID bob@: domain"),
    ("bob@example.org/", "Invalid JID bob@example.org/: resource empty"),
    ("a b@example.org", "Invalid JID a b@example.org: localpart"),
])
def test_a_malformed_jid_is_refused_with_the_parsers_reason(typed, reason):
    with pytest.raises(CommandError) as caught:
        parse_jid(typed)
    assert str(caught.value).startswith(reason)
    assert resolved_or_error(typed).startswith("error: " + reason)


def test_the_handle_is_the_shortest_word_that_comes_back_to_the_contact():
    assert BOOK.handle("bob@example.org") == "Bob"
    assert BOOK.handle("carol@example.org") == "Carol"
    assert BOOK.handle("carol@work.example") == "carol@work.example"  # "carol" is the other one's name
    assert BOOK.handle("dave@example.org") == "dave@example.org"  # "dave" is two contacts' name
    assert BOOK.handle("david@other.example") == "david"
    assert BOOK.handle("frank@example.org") == "frank"
    for jid in ("bob@example.org", "carol@work.example", "dave@example.org", "erin@example.org",
                "gateway.example.org"):
        assert BOOK.resolve(BOOK.handle(jid)) == jid  # Tab inserts only what the commands understand


def test_tab_candidates_are_handles_then_jids():
    assert BOOK.words("bo") == ["Bob"]
    assert BOOK.words("car") == ["Carol", "carol@work.example"]
    assert BOOK.words("bob@") == ["bob@example.org"]
    assert BOOK.words("da") == ["dave@example.org", "david"]
    assert BOOK.words("Dave") == ["dave@example.org", "david"]  # a shared name offers each one's handle
    assert BOOK.words("") == sorted(BOOK.words(""), key=str.casefold) and len(BOOK.words("")) == len(BOOK)


def test_msg_tab_completes_a_roster_name_and_quotes_one_with_spaces():
    registry = build_registry()
    def words(prefix):
        return BOOK.words(prefix)

    words.chosen = True  # as the app's provider: matched by the book
    providers = {"recipient": words, "jid": words}
    done = complete(registry, "/msg bo", 7, providers)
    assert done is not None and done.text == "/msg Bob "
    done = complete(registry, "/query erin", 11, providers)
    assert done is not None and done.text == '/query "Erin Kay" '
    done = complete(registry, "/roster remove da", 17, providers)
    assert done is not None and done.candidates == ("dave@example.org", "david")
    done = complete(registry, "/whois Dav", 10, providers)
    assert done is not None and done.candidates == ("dave@example.org", "david")  # the shared name offers both


def test_a_large_roster_is_indexed_not_scanned_per_word():
    book = ContactBook(Known(f"user{n}@example.org", f"User {n}") for n in range(20000))
    for n in range(0, 20000, 997):
        assert book.resolve(f"user {n}") == f"user{n}@example.org"
        assert book.resolve(f"user{n}") == f"user{n}@example.org"
