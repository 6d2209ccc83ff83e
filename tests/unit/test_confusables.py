"""Confusable nicks (tui/core/confusables.py): pure, no network, no UI."""

from __future__ import annotations


import pytest

from tui.core.confusables import (
    describe,
    disguise,
    find_confusables,
    flag_occupants,
    mixed_script,
    skeleton,
)
from tui.core.room import Occupant, Room

CYRILLIC_O = "\u043e"
GREEK_OMICRON = "\u03bf"
ROMAN_ONE = "\u2170"  # ⅰ SMALL ROMAN NUMERAL ONE


@pytest.mark.parametrize("disguised, genuine", [
    (f"g{GREEK_OMICRON}ff{ROMAN_ONE}", "goffi"),  # the issue's example
    (f"b{CYRILLIC_O}b", "bob"),  # Cyrillic o
    ("bo\u200bb", "bob"),  # zero-width space
    ("b\u2060ob\ufeff", "bob"),  # word joiner, BOM
    ("\u200ebob\u200f", "bob"),  # bidi marks
    ("ｂｏｂ", "bob"),  # fullwidth
    ("𝐛𝐨𝐛", "bob"),  # mathematical bold
    ("bob ", "bob"),  # padding
    ("ВОВ", "bob"),  # Cyrillic capitals
    ("ΒΟΒ", "bob"),  # Greek capitals
    ("Bob", "bob"),  # case only
])
def test_look_alikes_share_the_skeleton(disguised: str, genuine: str) -> None:
    assert skeleton(disguised) == skeleton(genuine)


@pytest.mark.parametrize("a, b", [("bob", "rob"), ("b0b", "bob"), ("bill", "b1ll"), ("alice", "malice"),
                                  ("Дмитрий", "dmitriy"), ("bób", "bob")])
def test_different_looking_names_do_not(a: str, b: str) -> None:
    # digits and I/l are drawn distinctly by monospaced terminal fonts: not mapped
    assert skeleton(a) != skeleton(b)


def test_the_issue_examples_are_flagged_as_imitating_the_genuine_nick() -> None:
    nicks = ["goffi", f"g{GREEK_OMICRON}ff{ROMAN_ONE}", "bob", f"b{CYRILLIC_O}b", "bo\u200bb", "carol"]
    assert find_confusables(nicks) == {
        f"g{GREEK_OMICRON}ff{ROMAN_ONE}": "goffi",
        f"b{CYRILLIC_O}b": "bob",
        "bo\u200bb": "bob",
    }


def test_case_only_differences_flag_both_nobody_can_tell_who_is_genuine() -> None:
    assert find_confusables(["Bob", "bob", "carol"]) == {"Bob": "bob", "bob": "Bob"}


def test_two_disguised_copies_without_the_genuine_flag_each_other() -> None:
    found = find_confusables([f"b{CYRILLIC_O}b", "bo\u200bb"])
    assert found == {f"b{CYRILLIC_O}b": "bo\u200bb", "bo\u200bb": f"b{CYRILLIC_O}b"}


def test_a_nick_imitating_a_roster_contact_is_flagged_the_contact_name_itself_is_not() -> None:
    others = ["Goffi", "dave"]  # a contact's name, a JID localpart
    found = find_confusables([f"G{GREEK_OMICRON}ff{ROMAN_ONE}", "Dave", "erin"], others)
    # a plain "Dave" may well be our contact dave: only disguised nicks are flagged
    assert found == {f"G{GREEK_OMICRON}ff{ROMAN_ONE}": "Goffi"}


def test_legit_non_latin_nicks_alone_are_not_flagged() -> None:
    assert find_confusables(["Дмитрий", "Алексей", "Γιώργος", "李雷", "bob"], ["bob"]) == {}
    assert not mixed_script("Дмитрий") and disguise("李雷") == 0
    assert disguise("Дмитрий") == 1  # its "р" reads as a Latin p: flagged only if it imitates


def test_a_whole_script_look_alike_is_flagged_when_it_imitates_someone() -> None:
    # "раура": every letter Cyrillic, reads as "paypa"
    assert find_confusables(["раура"], ["paypa"]) == {"раура": "paypa"}
    assert find_confusables(["раура", "paypa"]) == {"раура": "paypa"}
    # a mixed-script copy of a Cyrillic nick imitates the single-script one
    assert find_confusables(["Алексей", "Aлексей"]) == {"Aлексей": "Алексей"}


def test_mixed_script_and_reasons_for_whois() -> None:
    assert mixed_script(f"b{CYRILLIC_O}b") and mixed_script(f"g{GREEK_OMICRON}ffi")
    assert not mixed_script("bob") and not mixed_script("bob2") and not mixed_script("Дмитрий")
    assert describe("bob") == []
    assert describe("bo\u200bb") == ["invisible characters"]
    assert describe(f"b{CYRILLIC_O}b") == ["mixed scripts (Cyrillic, Latin)"]
    assert "compatibility characters" in describe(f"goff{ROMAN_ONE}")


def test_flag_occupants_sets_and_clears_the_model_flag() -> None:
    room = Room("bench@conference.localhost", nick="alice")
    for nick in ("alice", "bob", f"b{CYRILLIC_O}b"):
        room.upsert(Occupant(nick))
    assert flag_occupants(room.occupants) is True
    assert room.get(f"b{CYRILLIC_O}b").confusable_with == "bob"
    assert room.get("bob").confusable_with is None
    assert flag_occupants(room.occupants) is False  # nothing changed
    room.remove(f"b{CYRILLIC_O}b")
    room.upsert(Occupant("Alice"))
    assert flag_occupants(room.occupants) is True
    assert room.get("Alice").confusable_with == "alice" and room.get("alice").confusable_with == "Alice"


def test_a_thousand_occupants_and_five_thousand_contacts_are_indexed_not_compared() -> None:
    nicks = [f"user{i}" for i in range(1000)] + [f"us{CYRILLIC_O}r{i}".replace("u", "u") for i in range(3)]
    others = [f"Contact {i}" for i in range(5000)]
    skeleton.cache_clear()
    found = find_confusables(nicks, others)
    assert len(found) == 0  # "usоr0" is not "user0"
    # one skeleton per name, looked up by skeleton: never a pair of names compared
    # (how fast: bench/bench_models.py)
    assert skeleton.cache_info().misses <= len(set(nicks) | set(others))
