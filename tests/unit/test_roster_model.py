"""The roster model without network or UI."""

from __future__ import annotations


from tui.core.roster import (
    NO_GROUP,
    REQUESTS_GROUP,
    Contact,
    ContactRow,
    GroupRow,
    PresenceInfo,
    Roster,
    visible_rows,
)


def names(rows) -> list[str]:
    return [r.name if isinstance(r, GroupRow) else r.contact.display_name for r in rows]


def test_best_presence_is_highest_priority_then_most_available() -> None:
    contact = Contact("dave@example.org")
    assert (contact.best, contact.show) == (None, "offline")  # (not `is None`: mypy would keep it None below)
    contact.resources["phone"] = PresenceInfo("away", "on the move", priority=0)
    contact.resources["laptop"] = PresenceInfo("dnd", "busy", priority=5)
    assert contact.best.status == "busy"  # priority wins over availability
    contact.resources["desk"] = PresenceInfo("chat", "", priority=5)
    assert contact.show == "chat"
    contact.resources["odd"] = PresenceInfo("bogus")
    assert contact.resources["odd"].show == "available"


def test_untrusted_text_is_sanitised_on_the_way_in() -> None:
    roster = Roster("alice@example.org")
    roster.set_item("Evil@Example.org", name="[b]x[/b]\x1b]0;T\x07\u202e", groups=["g\nh", "", "g\nh"])
    contact = roster.get("evil@example.org")
    assert contact.name == "[b]x[/b]\u241b]0;T" and contact.groups == ("g h",)
    roster.set_presence("evil@example.org", "r", "away", "line1\nline2\x9b")
    assert contact.best.status == "line1 line2"


def test_subscription_markers() -> None:
    assert Contact("a@x", subscription="both").subscription_marker == ""
    assert Contact("a@x", subscription="to").subscription_marker == "[to]"
    assert Contact("a@x", subscription="from").subscription_marker == "[from]"
    assert Contact("a@x", subscription="none").subscription_marker == "[none]"
    assert Contact("a@x", subscription="none", pending_out=True).subscription_marker == "[pending]"
    assert Contact("a@x", subscription="to", pending_in=True).subscription_marker == "[asks] [to]"


def test_presence_of_strangers_is_not_stored_and_items_keep_presences() -> None:
    roster = Roster("alice@example.org")
    assert not roster.set_presence("room@conference.example.org", "nick", "available")
    roster.set_item("bob@example.org", name="Bob", subscription="both")
    assert roster.set_presence("bob@example.org", "a", "away", "lunch")
    roster.set_item("bob@example.org", name="Robert", subscription="both")  # a push
    assert roster.get("bob@example.org").best.status == "lunch"
    assert roster.set_unavailable("bob@example.org", "a")
    assert not roster.get("bob@example.org").online
    version = roster.version
    assert not roster.set_unavailable("bob@example.org", "a")
    assert roster.version == version  # nothing changed, nothing to redraw


def test_requests_from_outside_and_inside_the_roster() -> None:
    roster = Roster("alice@example.org")
    roster.add_request("erin@example.org")
    roster.set_item("bob@example.org", subscription="to")
    roster.add_request("bob@example.org")
    assert [c.jid for c in roster.requests] == ["erin@example.org", "bob@example.org"]
    rows = visible_rows(roster)
    assert names(rows)[:2] == [REQUESTS_GROUP, "erin"]
    # erin becomes a contact (authorised): no longer a request
    roster.set_item("erin@example.org", subscription="from")
    assert not roster.get("erin@example.org").pending_in
    assert roster.drop_request("bob@example.org")
    assert not roster.requests


def test_rows_groups_sorted_no_group_last_online_first_filter_and_collapse() -> None:
    roster = Roster("alice@example.org")
    roster.set_item("zoe@x.org", groups=["Work"], subscription="both")
    roster.set_item("adam@x.org", groups=["Work", "Friends"], subscription="both")
    roster.set_item("bea@x.org", subscription="both")
    roster.set_item("carl@x.org", groups=["friends-2"], subscription="both")
    roster.set_presence("zoe@x.org", "r", "away")
    rows = visible_rows(roster)
    assert names(rows) == ["Friends", "adam", "friends-2", "carl", "Work", "zoe", "adam", NO_GROUP, "bea"]
    work = next(r for r in rows if isinstance(r, GroupRow) and r.name == "Work")
    assert (work.online, work.total) == (1, 2)
    # collapsed groups keep their header
    assert names(visible_rows(roster, {"Work"})) == ["Friends", "adam", "friends-2", "carl", "Work",
                                                      NO_GROUP, "bea"]
    # a filter matches name or JID, hides empty groups, opens collapsed ones
    assert names(visible_rows(roster, {"Work"}, "ZO")) == ["Work", "zoe"]
    assert names(visible_rows(roster, set(), "x.org")) == names(rows)
    assert visible_rows(roster, set(), "nobody") == []
    contact_rows = [r for r in rows if isinstance(r, ContactRow)]
    assert len({r.key for r in contact_rows}) == len(contact_rows)  # adam twice, distinct keys


def test_full_roster_replaces_and_remove() -> None:
    roster = Roster("alice@example.org")
    roster.set_item("old@x.org", subscription="both")
    roster.replace_all({"new@x.org": {"subscription": "to", "pending_out": False}})
    assert roster.jids() == ["new@x.org"]
    roster.set_item("new@x.org", subscription="remove")
    assert len(roster) == 0


def test_a_full_roster_over_a_large_one_reads_its_items_a_fixed_number_of_times() -> None:
    """A reconnection without roster versioning sends the whole roster again:
    which contacts are gone is found with one set, not by reading the new
    items again for every contact known (1,000 contacts: a million steps)."""

    class CountedItems(dict):
        walks = 0

        def __iter__(self):
            CountedItems.walks += 1
            return super().__iter__()

    roster = Roster("alice@example.org")
    for n in range(300):
        roster.set_item(f"c{n}@x.org", subscription="both")
    items = CountedItems({f"C{n}@x.org": {"subscription": "both"} for n in range(0, 300, 2)})
    roster.replace_all(items)
    assert sorted(roster.jids()) == sorted(f"c{n}@x.org" for n in range(0, 300, 2))
    assert CountedItems.walks <= 2


def test_five_thousand_presences_apply_and_sort() -> None:
    # how fast: bench/bench_models.py
    roster = Roster("alice@example.org")
    for n in range(5000):
        roster.set_item(f"user{n}@x.org", name=f"User {n}", groups=[f"group{n % 20}"], subscription="both")
    for n in range(5000):
        roster.set_presence(f"user{n}@x.org", "res", ("available", "away", "dnd")[n % 3], f"status {n}")
    rows = visible_rows(roster)
    assert len(rows) == 5000 + 20
