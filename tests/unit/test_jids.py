from tui.core.jids import bare_jid, display_name, local_part, looks_like_jid


def test_bare_jid_drops_the_resource_and_lower_cases():
    assert bare_jid("Bob@Example.ORG/Phone") == "bob@example.org"
    assert bare_jid("room@rooms.x/Some/Nick") == "room@rooms.x"
    assert bare_jid("example.org") == "example.org"


def test_local_part_is_never_blank():
    assert local_part("bob@example.org") == "bob"
    assert local_part("room@rooms.x/nick") == "room"
    assert local_part("example.org") == "example.org"
    assert local_part("@example.org") == "@example.org"
    assert local_part("") == ""


def test_display_name_is_the_nick_of_an_occupant_else_the_local_part():
    assert display_name("bob@example.org") == "bob"
    assert display_name("lobby@rooms.x/carol") == "carol"
    assert display_name("lobby@rooms.x/") == "lobby"
    assert display_name("example.org") == "example.org"


def test_looks_like_jid_wants_a_name_a_server_and_no_space():
    assert looks_like_jid("bob@example.org") and looks_like_jid("bob@example.org/phone")
    assert not any(map(looks_like_jid, ("bob", "@example.org", "bob@", "bob smith@example.org", "")))
