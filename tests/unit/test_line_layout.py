"""Pure layout of log lines: wrapping, hanging indent, cell widths."""

from __future__ import annotations

import random

from rich.cells import cell_len

from screens.widgets.line_layout import (
    CLEAR_MARK,
    CRYPT_MARK,
    PREFIX_ROW,
    TIME_CELLS,
    RowIndex,
    count_line_rows,
    crypt_mark,
    layout_line,
    prefix_width,
    hanging_indent,
    layout_rows,
    prefix_pieces,
    prefix_text,
    row_of_offset,
    split_paragraphs,
    unwrapped_cells,
    wrap_text,
)
from tui.core.model import Delivery, Line, LineKind


def rows_text(text: str, first: int, rest: int) -> list[str]:
    return [text[start:end] for start, end in wrap_text(text, first, rest)]


def test_short_text_is_one_row():
    assert wrap_text("hello world", 20, 10) == [(0, 11)]


def test_wraps_at_spaces_and_drops_the_break_space():
    assert rows_text("aaa bbb ccc ddd", 8, 8) == ["aaa bbb", "ccc ddd"]


def test_first_row_and_continuation_widths_differ():
    assert rows_text("aaaa bbbb cccc dddd", 10, 5) == ["aaaa bbbb", "cccc", "dddd"]


def test_long_word_is_cut():
    assert rows_text("x" * 12, 5, 5) == ["xxxxx", "xxxxx", "xx"]


def test_word_ending_exactly_at_edge():
    assert rows_text("abcde fgh", 5, 5) == ["abcde", "fgh"]


def test_trailing_spaces_do_not_make_a_row():
    assert rows_text("abcde     ", 5, 5) == ["abcde"]


def test_leading_indentation_is_not_a_break_point():
    assert rows_text("    abcdefghij", 8, 8) == ["    abcd", "efghij"]


def test_wide_characters_are_measured_in_cells():
    text = "日本語のテキスト"  # 8 glyphs, 16 cells
    rows = rows_text(text, 6, 6)
    assert rows == ["日本語", "のテキ", "スト"]
    assert all(cell_len(row) <= 6 for row in rows)


def test_wide_character_never_split_and_always_progresses():
    # A 2-cell glyph in a 1-cell row still takes one row each (no infinite loop).
    assert rows_text("日本", 1, 1) == ["日", "本"]


def test_emoji_zwj_sequence_stays_whole():
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    text = "ab " + family + " cd"
    for width in range(1, 12):
        for row in rows_text(text, width, width):
            assert "\u200d" not in (row[:1] + row[-1:]), row


def test_random_ascii_rows_fit_and_lose_only_spaces():
    rng = random.Random(1)
    for _ in range(500):
        words = ["x" * rng.randint(1, 15) for _ in range(rng.randint(1, 12))]
        text = " ".join(words)
        first, rest = rng.randint(1, 30), rng.randint(1, 30)
        spans = wrap_text(text, first, rest)
        for index, (start, end) in enumerate(spans):
            limit = first if index == 0 else rest
            assert cell_len(text[start:end]) <= limit
        joined = "".join(text[start:end] for start, end in spans)
        assert joined.replace(" ", "") == text.replace(" ", "")


def test_random_mixed_width_rows_fit():
    rng = random.Random(2)
    alphabet = "ab 日本é"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        width = rng.randint(2, 20)
        spans = wrap_text(text, width, width)
        assert all(cell_len(text[s:e]) <= width for s, e in spans)
        assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")


def test_prefix_shapes():
    assert prefix_text(LineKind.INCOMING, "alice", "12:34") == "12:34 <alice> "
    assert prefix_text(LineKind.ACTION, "bob", "12:34") == "12:34 * bob "
    assert prefix_text(LineKind.EVENT, "", "12:34") == "12:34 -!- "
    assert [role for _, role in prefix_pieces(LineKind.ERROR, "")] == ["error"]


def test_hanging_indent_falls_back_when_narrow():
    assert hanging_indent(14, 80) == 14
    assert hanging_indent(14, 20) == TIME_CELLS
    assert hanging_indent(14, 8) == 0


def row_texts(prefix: str, paragraphs: list[str], rows) -> list[str]:
    return [(prefix if p == PREFIX_ROW else paragraphs[p])[s:e] for p, s, e in rows]


def test_layout_rows_hanging_indent_and_newlines():
    prefix = prefix_text(LineKind.INCOMING, "al")  # "00:00 <al> " = 11 cells
    paragraphs = split_paragraphs("one two three four\nfive")
    indent, rows = layout_rows(prefix, len(prefix), paragraphs, 22)
    assert indent == 11
    # The prefix shares the first row with the body: rows hold body offsets.
    assert row_texts(prefix, paragraphs, rows) == ["one two", "three four", "five"]


def test_long_prefix_gets_rows_of_its_own():
    nick = "n" * 30
    prefix = prefix_text(LineKind.INCOMING, nick)
    paragraphs = ["hello there"]
    indent, rows = layout_rows(prefix, prefix_width(LineKind.INCOMING, nick), paragraphs, 24)
    assert indent == TIME_CELLS
    texts = row_texts(prefix, paragraphs, rows)
    assert "".join(texts[:-1]).replace(" ", "") == prefix.replace(" ", "")
    assert texts[-1] == "hello there"
    assert rows[-1][0] == 0 and all(p == PREFIX_ROW for p, _, _ in rows[:-1])


def test_prefix_width_matches_prefix_text():
    for kind in LineKind:
        for nick in ("", "bob", "日本"):
            assert prefix_width(kind, nick) == cell_len(prefix_text(kind, nick))
            for crypt in (CRYPT_MARK, CLEAR_MARK):
                assert prefix_width(kind, nick, crypt) == cell_len(prefix_text(kind, nick, crypt=crypt))


def test_encryption_marks_come_before_the_nick_of_messages_only():
    said = Line("hi", LineKind.INCOMING, nick="bob", encryption="rot13")
    assert crypt_mark(said) == CRYPT_MARK
    assert prefix_text(LineKind.INCOMING, "bob", "12:00", CRYPT_MARK) == "12:00 ~ <bob> "
    assert prefix_text(LineKind.ACTION, "bob", "12:00", CLEAR_MARK) == "12:00 ! * bob "
    assert [role for _, role in prefix_pieces(LineKind.OUTGOING, "me", CRYPT_MARK)][:1] == ["crypt"]
    # in clear: marked only while the conversation is encrypted (mark_clear)
    clear = Line("hi", LineKind.INCOMING, nick="bob")
    assert (crypt_mark(clear), crypt_mark(clear, mark_clear=True)) == ("", CLEAR_MARK)
    # ours that did not go out (yet) went neither way; events are no messages
    for delivery in (Delivery.PENDING, Delivery.FAILED):
        assert crypt_mark(Line("hi", LineKind.OUTGOING, nick="me", delivery=delivery), True) == ""
    assert crypt_mark(Line("hi", LineKind.OUTGOING, nick="me", delivery=Delivery.SENT), True) == CLEAR_MARK
    for kind in (LineKind.EVENT, LineKind.INFO, LineKind.ERROR):
        assert crypt_mark(Line("x", kind, encryption="rot13"), True) == ""
        assert prefix_width(kind, "", CRYPT_MARK) == prefix_width(kind, "")


def test_row_index_measures_marks_again_when_the_conversation_becomes_encrypted():
    lines = [Line("x" * 30, LineKind.INCOMING, nick="bob"), Line("y" * 30, LineKind.INCOMING, nick="bob")]
    index = RowIndex(lines)
    index.set_width(42)  # 12 cells of prefix + 30: one row each
    assert index.row_count == 2
    assert index.set_mark_clear(True) and not index.set_mark_clear(True)
    assert index.row_count == 4  # "! " made each one row too wide
    assert index.row_count == sum(len(layout_line(each, 42, True)[1]) for each in lines)
    assert not index.is_stale(0)
    lines[0].encryption = "rot13"  # "~ " instead of "! ": the same width
    assert not index.is_stale(0)
    index.set_mark_clear(False)
    assert index.row_count == 3
    lines[1].encryption = "rot13"  # its mark came after it was measured
    assert index.is_stale(1)
    index.reindex_from(1)
    assert not index.is_stale(1) and index.row_count == 4


def test_count_line_rows_agrees_with_layout_line():
    rng = random.Random(3)
    alphabet = "abc  日é\u0301\n"
    for _ in range(400):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        kind = rng.choice(list(LineKind))
        each = Line(body, kind, nick="x" * rng.randint(0, 25), encryption=rng.choice(("", "otr")))
        width = rng.randint(1, 50)
        mark_clear = rng.random() < 0.5
        assert count_line_rows(each, width, mark_clear) == len(layout_line(each, width, mark_clear)[1])


def test_combining_marks_stay_with_their_letter():
    text = "e\u0301" * 10  # 10 cells, 20 characters
    rows = rows_text(text, 3, 3)
    assert all(row[:1] != "\u0301" for row in rows)
    assert all(cell_len(row) <= 3 for row in rows)
    assert "".join(rows) == text


def line(body: str, nick: str = "bob") -> Line:
    return Line(body, LineKind.INCOMING, nick=nick)


def test_row_index_follows_appends_and_widths():
    lines = [line("short"), line("word " * 20), line("a\nb\nc")]
    index = RowIndex(lines)
    index.set_width(40)
    expected = [len(layout_line(each, 40)[1]) for each in lines]
    assert index.row_count == sum(expected)
    assert index.message_at_row(0) == 0
    assert index.message_at_row(expected[0]) == 1
    assert index.message_at_row(index.row_count - 1) == 2
    lines.append(line("new"))
    assert index.sync() and index.row_count == sum(expected) + 1
    assert not index.sync()
    index.set_width(200)
    assert index.row_count == 1 + 1 + 3 + 1
    lines.append(line("newer"))
    index.sync()
    index.set_width(40)  # kept array for 40, extended by the two new lines
    assert index.row_count == sum(expected) + 2


def test_row_index_from_a_changed_or_inserted_line_matches_a_full_index():
    lines = [line(f"message {n} " * (n % 7 + 1)) for n in range(50)]
    index = RowIndex(lines)
    index.set_width(30)
    index.set_width(80)  # a kept width, stale after the change: must not be reused as is
    lines[45].body = "corrected\nover\nfour lines"
    lines.insert(48, line("an error under a line " * 3))
    index.reindex_from(45)
    fresh = RowIndex(lines)
    fresh.set_width(80)
    assert list(index.row_starts) == list(fresh.row_starts)
    index.set_width(30)
    fresh.set_width(30)
    assert list(index.row_starts) == list(fresh.row_starts)
    index.reindex_from(0)  # the first line: the same as a full re-index
    assert list(index.row_starts) == list(fresh.row_starts)


def test_row_index_notices_a_refilled_list():
    lines = [line("one"), line("two")]
    index = RowIndex(lines)
    index.set_width(40)
    lines.clear()
    lines.extend([line("x\ny"), line("z"), line("w")])
    assert index.sync()
    assert index.row_count == 4


def test_tabs_become_spaces():
    assert split_paragraphs("a\tb\nc") == ["a    b", "c"]


def test_unwrapped_cells_counts_wide_chars():
    assert unwrapped_cells(6, ["ab", "日本語"]) == 12


def test_row_of_offset():
    rows = [(0, 0, 10), (0, 11, 20), (1, 0, 5), (1, 6, 9)]
    assert row_of_offset(rows, 0, 0) == 0
    assert row_of_offset(rows, 0, 15) == 1
    assert row_of_offset(rows, 1, 7) == 3


def test_row_index_after_its_first_lines_are_let_go_matches_a_full_index():
    lines = [line(f"message {n} " * (n % 7 + 1)) for n in range(60)]
    index = RowIndex(lines)
    index.set_width(30)
    index.set_width(80)  # 30 kept, measured in full
    lines.extend(line(f"later {n} " * 9) for n in range(5))
    index.sync()  # 80 extended; 30 is now short of the end
    del lines[:20]
    index.drop_head(20)
    for width in (80, 30, 50):
        index.set_width(width)
        fresh = RowIndex(lines)
        fresh.set_width(width)
        assert list(index.row_starts) == list(fresh.row_starts), width
    del lines[:100]  # more than it holds: indexed again
    index.drop_head(100)
    assert index.row_count == 0 and index.measured == 0
