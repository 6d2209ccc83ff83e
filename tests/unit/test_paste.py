"""The paste policy and the burst detector (recorded key timings)."""

from __future__ import annotations

from tui.paste import (
    Burst, BurstDetector, KeyKind, LoopLag, PastePolicy, Verdict, human_size, is_typing, normalise, replay,
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
    # where it begins: what was typed before it can stay
    assert policy.password_start("my pass is hunter22 and hunter22") == 11
    assert policy.password_start(" demo\n") == 1 and policy.password_start("demos") is None
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
    keys = timed("ab\nc", 0.0, 0.0001) + timed("def", 0.0008, 0.0001) + timed("g\n", 0.0016, 0.0001)
    typed, bursts = replay(BurstDetector(5), keys)
    assert typed == "" and bursts == ["ab\ncdefg\n"]


def test_typing_after_a_burst_is_typing_again() -> None:
    keys = timed("x\ny", 0.0, 0.0001) + [("z", 0.5), ("enter", 0.6)]
    typed, bursts = replay(BurstDetector(5), keys)
    assert bursts == ["x\ny"] and typed == "z⏎"


def test_a_key_after_a_gap_ends_the_burst_before_the_quiet_timer() -> None:
    # a single-line burst, then Enter 3 ms later (another `tmux send-keys`):
    # the burst was typing, the Enter submits it
    keys = timed("hello", 0.0, 0.0001) + [("enter", 0.0034)]
    typed, bursts = replay(BurstDetector(5), keys)
    assert bursts == [] and typed == "hello⏎"


def test_detector_off() -> None:
    typed, bursts = replay(BurstDetector(0), timed("a\nb", 0.0, 0.00001))
    assert typed == "a⏎b" and bursts == []


def test_a_control_key_breaks_the_chain() -> None:
    detector = BurstDetector(5)
    detector.key("a", 0.0)
    detector.other_key(0.001)
    assert detector.key("b", 0.002).value == "typed"


# -- keys bunched by a busy app are typing (issue 9, defect 2) -------------


def test_enter_after_a_pause_submits_even_when_the_next_keys_bunch_behind_it() -> None:
    # recorded under tmux while a peer flooded alice: the Enter came 0.32 s
    # after the line, and the reader thread, waiting for the GIL, read it
    # together with the first keys of the next line
    keys = (timed("busy0 fox", 0.0, 0.02) + [("enter", 0.484), ("b", 0.4842), ("u", 0.48424),
                                              ("s", 0.48428), ("y", 0.4843)]
            + timed("1 dog", 0.51, 0.02) + [("enter", 0.9)])
    typed, bursts = replay(BurstDetector(5), keys)
    assert typed == "busy0 fox⏎busy1 dog⏎" and bursts == []


def test_a_line_and_its_enter_in_one_write_is_typed() -> None:
    # `send-keys -l "text\r"`, or a laggy SSH link bunching a typed line
    typed, bursts = replay(BurstDetector(5), timed("one write\n", 1.0, 0.00002))
    assert typed == "one write⏎" and bursts == []


def test_bunched_keys_without_enter_are_typed_as_they_were() -> None:
    keys = timed("ab", 0.0, 0.03) + timed("cde", 0.2, 0.00001) + timed("f\n", 0.3, 0.03)
    typed, bursts = replay(BurstDetector(5), keys)
    assert typed == "abcdef⏎" and bursts == []


def test_several_lines_at_paste_speed_while_responsive_still_ask() -> None:
    keys = timed("line1\nline2\n", 1.0, 0.00005)
    assert replay(BurstDetector(5), keys, LoopLag()) == ("", ["line1\nline2\n"])


def test_once_pastes_are_bracketed_bursts_are_typing() -> None:
    detector = BurstDetector(5)
    detector.bracketed()
    typed, bursts = replay(detector, timed("a\nb\n", 1.0, 0.00005))
    assert typed == "a⏎b⏎" and bursts == []


def test_keys_bunched_by_our_own_stall_are_typing() -> None:
    # "x", Enter, "y", "z" typed 12 ms apart, read together after the loop
    # was blocked 36 ms: the Enter came at typing speed, not after a pause
    keys = [("w", 0.0), ("x", 0.065), ("enter", 0.06501), ("y", 0.06502), ("z", 0.06503), ("enter", 0.5)]
    lag = LoopLag()
    lag.beat(0.030, 0.066)  # a heartbeat due at 30 ms ran at 66 ms
    assert replay(BurstDetector(5), keys, lag) == ("wx⏎yz⏎", [])
    # the same keys with the loop responsive: a paste of two lines
    assert replay(BurstDetector(5), keys, LoopLag()) == ("w⏎", ["x\nyz"])


def test_a_key_handled_late_is_a_stall_too() -> None:
    lag = LoopLag()
    lag.key(stamped=1.0, handled=1.0005)  # on time
    assert not lag.around(1.0)
    lag.key(stamped=2.0, handled=2.030)  # a stall began before a key read at 2.02
    assert lag.around(2.02) and lag.around(2.033) and not lag.around(2.0) and not lag.around(1.9)


def test_only_a_stall_begun_by_the_burst_counts() -> None:
    # handling a long paste makes the loop late afterwards: that is no
    # reason to take the paste for typing
    lag = LoopLag()
    lag.beat(1.010, 1.300)  # the reader parsing a long paste read at 1.010
    lag.key(stamped=1.010, handled=1.250)  # its first key, handled late
    assert not is_typing(Burst("a\nb", 1.010, 1.011), lag)
    assert is_typing(Burst("a\nb", 1.016, 1.017), lag)  # read while we were stalled
    small = LoopLag(keep=2)
    for n in range(5):
        small.beat(n, n + 1)
    assert small.stalls == [(3, 4), (4, 5)]


def test_a_stall_bunches_only_the_keys_typed_during_it() -> None:
    # the tail of a long raw paste, read after we were busy 40 ms with its
    # beginning, is not typing: 40 ms hold at most 6 typed keys
    lag = LoopLag()
    lag.beat(1.000, 1.040)
    assert lag.delayed_keys(1.03) == 6
    assert is_typing(Burst("a\nbcd", 1.03, 1.0301), lag)
    assert not is_typing(Burst("a\nbcdefgh", 1.03, 1.0301), lag)


# -- only an Enter is held (issue 14: a word in one write shows at once) -----


def test_a_word_in_one_write_shows_key_by_key() -> None:
    shown: list[str] = []
    typed, bursts = replay(BurstDetector(5), timed("hello", 1.0, 0.00002), shown=shown)
    assert shown == ["h", "he", "hel", "hell", "hello"]
    assert typed == "hello" and bursts == []


def test_an_enter_in_a_burst_takes_back_what_the_burst_showed() -> None:
    # "password⏎" pasted without brackets: the keys show, the Enter is held
    # and takes them back; the whole is judged once the burst ends
    shown: list[str] = []
    typed, bursts = replay(BurstDetector(5), timed("ab", 0.0, 0.2) + timed("pw\n", 1.0, 0.00002), shown=shown)
    assert shown == ["a", "ab", "abp", "abpw", "ab"]
    assert typed == "abpw⏎" and bursts == []  # a line and its Enter: typed, after judging


def test_the_burst_holds_from_its_first_enter_on() -> None:
    detector = BurstDetector(5)
    kinds = [detector.key(key, 1.0 + i * 0.00002) for i, key in enumerate("pass\nx")]
    assert [kind.value for kind in kinds] == ["typed", "started", "continued", "continued", "continued",
                                              "continued"]
    assert detector.holding and detector.take().text == "pass\nx" and not detector.holding


def test_an_enter_alone_is_typed_and_is_no_burst() -> None:
    detector = BurstDetector(5)
    assert detector.key("a", 1.0) is KeyKind.TYPED
    assert detector.key("\n", 1.2) is KeyKind.TYPED  # after a pause
    assert not detector.active and not detector.holding
    assert BurstDetector(5).key("\n", 5.0) is KeyKind.TYPED  # the only key


def test_a_raw_paste_read_in_pieces_is_one_burst_its_enter_takes_all_back() -> None:
    # a raw paste read in two pieces 3 ms apart (the reader preempted), the
    # second starting with its newline: the first piece, shown already, goes
    # back into the paste with it — not left in the line, not sent
    keys = timed("aaaa", 1.0, 0.00002) + timed("\nbb", 1.003, 0.00002)
    shown: list[str] = []
    typed, bursts = replay(BurstDetector(5), keys, LoopLag(), shown=shown)
    assert typed == "" and bursts == ["aaaa\nbb"]
    assert shown[3] == "aaaa" and shown[4:] == ["", "", ""]


def test_an_enter_right_behind_an_enter_is_held() -> None:
    detector = BurstDetector(5)
    assert detector.key("\n", 1.0) is KeyKind.TYPED
    assert detector.key("\n", 1.002) is KeyKind.OPENED and detector.holding
    assert detector.key("x", 1.2) is KeyKind.CONTINUED  # no interrupted() asked: still the burst
    assert detector.interrupted(1.3) is not None and not detector.holding


# -- a raw paste read in pieces further apart than a burst's gap (CI, load) --


def test_a_paste_split_mid_word_by_a_stall_is_still_one_paste() -> None:
    # seen in CI: "the first paste" read, then the reader thread waited 20 ms
    # for the CPU before "d line⏎…": the first piece must not stay in the line
    keys = timed("the first paste", 1.0, 0.00003) + timed("d line\nthe second line\n", 1.02, 0.00003)
    shown: list[str] = []
    typed, bursts = replay(BurstDetector(5), keys, LoopLag(), shown=shown)
    assert typed == "" and bursts == ["the first pasted line\nthe second line\n"]
    assert shown[14] == "the first paste" and shown[20] == "the first pasted line"
    assert shown[21] == ""  # the Enter took back both pieces


def test_an_enter_soon_after_a_word_in_one_write_is_typed_and_so_are_the_keys_behind_it() -> None:
    # a command in one write, its Enter 20 ms later, the next keys right
    # behind the Enter (W7 types at machine speed; SSH bunches): typing —
    # an Enter after a pause is never resumed into the burst before it
    keys = timed("/join room", 1.0, 0.00003) + [("enter", 1.02)] + timed("tx", 1.0201, 0.00003)
    assert replay(BurstDetector(5), keys, LoopLag()) == ("/join room⏎tx", [])


def test_pieces_further_apart_than_the_quiet_time_are_separate() -> None:
    keys = timed("abc", 1.0, 0.00003) + timed("d\ne", 1.2, 0.00003)
    assert replay(BurstDetector(5), keys, LoopLag()) == ("abc", ["d\ne"])


def test_typing_after_a_burst_does_not_resume_it() -> None:
    # a word in one write, then keys typed 20 ms apart and an Enter: typing
    keys = timed("ab", 1.0, 0.00003) + [("c", 1.02), ("d", 1.04), ("enter", 1.06)]
    assert replay(BurstDetector(5), keys, LoopLag()) == ("abcd⏎", [])
    detector = BurstDetector(5)
    for key, time in timed("ab", 1.0, 0.00003):
        detector.key(key, time)
    assert detector.interrupted(1.02) is not None
    assert detector.key("c", 1.02) is KeyKind.TYPED
    assert detector.key("d", 1.04) is KeyKind.TYPED  # not at burst speed: the chance is gone
    assert detector.key("e", 1.04001) is KeyKind.STARTED


def test_a_control_key_between_pieces_keeps_them_apart() -> None:
    detector = BurstDetector(5)
    for key, time in timed("ab", 1.0, 0.00003):
        detector.key(key, time)
    assert detector.take().text == "ab"  # a control key ended it
    detector.other_key(1.01)
    assert detector.key("\n", 1.02) is KeyKind.TYPED


def test_a_resumed_burst_is_judged_on_its_last_piece() -> None:
    # keys bunched by our own stall, after a word in one write: the stall
    # explains the last piece, the whole is typing
    lag = LoopLag()
    lag.beat(1.000, 1.040)
    keys = timed("word", 0.99, 0.00003) + timed("x\nyz", 1.03, 0.00001)
    assert replay(BurstDetector(5), keys, lag) == ("wordx⏎yz", [])
    burst = Burst("wordx\nyz", 0.99, 1.03004, piece_at=4, piece_first=1.03)
    assert burst.piece == ("x\nyz", 1.03) and is_typing(burst, lag)


# -- an Enter right after a burst it ended: typed, unless a line follows at once --


def test_a_raw_paste_cut_right_before_its_newline_by_a_gap_is_one_paste() -> None:
    # two terminal writes 15 ms apart, the cut exactly before the first
    # newline: that Enter ended the first piece's burst after a pause, and
    # would have sent "the first pasted line" on its own
    first, rest = "the first pasted line", "\nthe second pasted line\n"
    keys = timed(first, 1.0, 0.00003) + timed(rest, 1.015, 0.00003)
    shown: list[str] = []
    assert replay(BurstDetector(5), keys, LoopLag(), shown=shown) == ("", [first + rest])
    assert shown[len(first) - 1] == first and shown[len(first)] == first  # the Enter waits, shown nothing new
    assert shown[len(first) + 1] == ""  # the next key at once: the Enter takes the burst back


def test_an_enter_soon_after_a_burst_with_nothing_behind_it_is_typed() -> None:
    detector = BurstDetector(5)
    for key, time in timed("quick word", 1.0, 0.00003):
        detector.key(key, time)
    assert detector.interrupted(1.02) is not None
    assert detector.key("\n", 1.02) is KeyKind.PENDING and detector.pending
    assert not detector.enter_settled(1.024)  # a key may still come at burst speed
    assert detector.enter_settled(1.026) and not detector.pending
    assert detector.key("x", 1.3) is KeyKind.TYPED  # the next line, typed
    keys = timed("quick word", 1.0, 0.00003) + [("enter", 1.02)]
    assert replay(BurstDetector(5), keys, LoopLag()) == ("quick word⏎", [])


def test_an_enter_a_person_types_after_a_burst_is_typed_at_once() -> None:
    detector = BurstDetector(5)
    for key, time in timed("quick word", 1.0, 0.00003):
        detector.key(key, time)
    assert detector.interrupted(1.2) is not None
    assert detector.key("\n", 1.2) is KeyKind.TYPED  # past the quiet time: nothing pending


def test_a_key_that_is_not_text_settles_the_pending_enter_as_typed() -> None:
    detector = BurstDetector(5)
    for key, time in timed("ab", 1.0, 0.00003):
        detector.key(key, time)
    detector.interrupted(1.01)
    assert detector.key("\n", 1.01) is KeyKind.PENDING
    assert not detector.enter_settled(1.011)
    assert detector.enter_settled(1.011, force=True) and not detector.pending
