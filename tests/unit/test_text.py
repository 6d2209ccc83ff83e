from tui.core.model import Line, LineKind
from tui.text import sanitize, sanitize_line, xml_safe


def test_escape_sequences_are_shown_not_run():
    assert sanitize("\x1b]0;T\x07x") == "\u241b]0;Tx"
    assert sanitize("\x1b[31mred") == "\u241b[31mred"


def test_c1_del_and_c0_are_stripped_but_tab_and_newline_kept():
    assert sanitize("a\x9bb\x85c\x7fd\x00e\x08f") == "abcdef"
    assert sanitize("a\tb\nc") == "a\tb\nc"


def test_line_endings_are_normalised():
    assert sanitize("a\r\nb\rc") == "a\nb\nc"


def test_bidi_overrides_are_neutralised():
    assert sanitize("abc\u202edcba\u2066x\u2069") == "abcdcbax"
    # implicit marks cannot reorder surrounding text; they stay
    assert sanitize("a\u200fb") == "a\u200fb"


def test_markup_is_left_as_plain_data():
    text = "[b]x[/b] [@click=app.quit]y[/]"
    assert sanitize(text) == text


def test_one_line_fields_lose_newlines():
    assert sanitize_line("bob\nevil\ttab") == "bob evil tab"


def test_xml_safe_strips_what_xml_forbids():
    assert xml_safe("a\x1bb\x0c\x00c\td\ne\r") == "abc\td\ne\r"
    assert xml_safe("\ufffe\uffffok") == "ok"


def test_model_lines_are_sanitised_on_construction():
    line = Line("hi\x1b[2J", LineKind.INCOMING, nick="b\u202eob\n")
    assert line.body == "hi\u241b[2J"
    assert line.nick == "bob "


def test_invisible_zero_width_characters_are_stripped():
    assert sanitize("al\u200bi\u2060c\ufeffe\u2062\u206a") == "alice"
    assert sanitize_line("b\u200bob") == "bob"


def test_joiners_that_scripts_and_emoji_need_stay():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert sanitize(family) == family
    assert sanitize("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645") == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


def test_every_c1_control_and_bidi_override_goes():
    hostile = "".join(chr(c) for c in range(0x80, 0xA0)) + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert sanitize(f"a{hostile}b") == "ab"


def test_lines_of_one_sender_share_their_nick_and_colour_key_and_keep_them_sanitised():
    """A flood's 100k lines hold one copy of each sender's nick and colour
    key (W5 memory), still sanitised like any untrusted text."""
    def line(n: int) -> Line:  # strings made per stanza, as the parser makes them
        nick = "".join(["bo", "b\u202e"])
        return Line(f"hello {n}", LineKind.INCOMING, nick=nick, colour_key="".join(["room@x/", "bob"]))

    first, second = line(1), line(2)
    assert first.nick.startswith("bob") and "\u202e" not in first.nick
    assert first.nick is second.nick
    assert first.colour_key == "room@x/bob" and first.colour_key is second.colour_key
