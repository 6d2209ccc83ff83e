"""The paste policy and the burst detector (recorded key timings)."""

from __future__ import annotations

from tui.paste import (
    BurstDetector, PastePolicy, Verdict, human_size, normalise, replay,
)


def timed(text: str, start: float, step: float) -> list[tuple[str, float]]:
    return [("enter" if c == "\n" else c, start + i * step) for i, c in enumerate(text)]


def test_normalise_line_endings_invalid_characters_and_tabs() -> None:
    assert normalise("a\r\nb\rc\n") == "a\nb\nc"
    assert normalise("x\x00y\x1b\tz\x0b") == "xy\tz"


def test_human_size() -> None:
    assert human_size(17) == "17 B"
    assert human_size(2150) == "2.1 KB"


def test_single_line_inserts_multi_line_confirms() -> None:
    policy = PastePolicy()
    assert policy.decide("hello\r").verdict is Verdict.INSERT
    decision = policy.decide("one\rtwo\rthree")
    assert decision.verdict is Verdict.CONFIRM
    assert decision.text == "one\ntwo\nthree"
    assert decision.describe() == "3 lines (13 B)"
    assert PastePolicy(confirm_lines=4).decide("a\nb\nc").verdict is Verdict.INSERT


def test_password_is_refused_and_secret_patterns_warn() -> None:
    policy = PastePolicy()
    policy.add_password("hunter22")
    policy.add_password("demo")  # short: refused only as the whole text
    refused = policy.decide("my pass is hunter22")
    assert refused.verdict is Verdict.REFUSE and refused.text == ""
    assert policy.decide(" demo\r").verdict is Verdict.REFUSE
    assert policy.has_password("demo") and not policy.has_password("a demo of demos")
    assert policy.decide("let me demo it").verdict is Verdict.INSERT
    key = policy.decide("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert key.verdict is Verdict.CONFIRM and "secret" in key.warning


def test_human_typing_is_never_a_burst() -> None:
    # "hello" then Enter, ~90–140 ms apart (send-keys one key at a time)
    keys = list(zip("hello", [0.0, 0.11, 0.19, 0.33, 0.42])) + [("enter", 0.55)]
    typed, bursts = replay(BurstDetector(5), keys)
    assert typed == "hello⏎" and bursts == []


def test_fast_typist_stays_typing() -> None:
    typed, bursts = replay(BurstDetector(5), timed("quick\n", 1.0, 0.03))
    assert typed == "quick⏎" and bursts == []


def test_raw_paste_burst_becomes_one_text_with_newlines() -> None:
    # a terminal without bracketed paste: a key every 0.05 ms, Enter included
    keys = timed("hi", 0.0, 0.2) + timed("line1\nline2\n", 1.0, 0.00005)
    typed, bursts = replay(BurstDetector(5), keys)
    assert typed == "hi"  # the first pasted key was undone, it belongs to the burst
    assert bursts == ["line1\nline2\n"]


def test_burst_spread_over_reads_stays_one_burst() -> None:
    # a large paste reaches us in chunks a few ms apart
    keys = timed("abc", 0.0, 0.0001) + timed("def", 0.0008, 0.0001) + timed("g\n", 0.0016, 0.0001)
    typed, bursts = replay(BurstDetector(5), keys)
    assert typed == "" and bursts == ["abcdefg\n"]


def test_typing_after_a_burst_is_typing_again() -> None:
    keys = timed("xy", 0.0, 0.0001) + [("z", 0.5), ("enter", 0.6)]
    typed, bursts = replay(BurstDetector(5), keys)
    assert bursts == ["xy"] and typed == "z⏎"


def test_a_key_after_a_gap_ends_the_burst_before_the_quiet_timer() -> None:
    # a single-line raw paste, then Enter 3 ms later (another `tmux send-keys`):
    # typed after the paste, it submits
    keys = timed("hello", 0.0, 0.0001) + [("enter", 0.0034)]
    typed, bursts = replay(BurstDetector(5), keys)
    assert bursts == ["hello"] and typed == "⏎"


def test_detector_off() -> None:
    typed, bursts = replay(BurstDetector(0), timed("a\nb", 0.0, 0.00001))
    assert typed == "a⏎b" and bursts == []


def test_a_control_key_breaks_the_chain() -> None:
    detector = BurstDetector(5)
    detector.key("a", 0.0)
    detector.other_key(0.001)
    assert detector.key("b", 0.002).value == "typed"
