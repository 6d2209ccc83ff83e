"""Issue 12: when silence after a message counts as "no answer"
(tui/xmpp/chat/answers.py)."""

from __future__ import annotations

from tests.harness.wait import until
from tui.core.model import Delivery, Line, LineKind
from tui.xmpp.chat.answers import AwaitedAnswers, confirmed_in, expects_receipt


def test_only_a_peer_that_confirmed_before_and_is_not_shown_offline_owes_a_receipt():
    assert expects_receipt(confirmed_before=True, offline=False)
    assert not expects_receipt(confirmed_before=False, offline=False)  # a client without receipts
    assert not expects_receipt(confirmed_before=True, offline=True)  # the server keeps it for later


def test_a_tick_in_the_history_counts_as_having_confirmed():
    sent = Line("hi", LineKind.OUTGOING, delivery=Delivery.SENT)
    assert not confirmed_in([sent, Line("hello", LineKind.INCOMING)])
    assert confirmed_in([Line("earlier", LineKind.OUTGOING, delivery=Delivery.DELIVERED), sent])


async def test_time_runs_out_only_for_messages_nobody_answered():
    silent: list[str] = []
    answers = AwaitedAnswers(silent.append, delay=0.05)
    answers.wait("a")
    answers.wait("b")
    answers.wait("c")
    answers.answered("b")  # a receipt
    answers.wait("c")  # sent again: its clock starts again
    await until(lambda: sorted(silent) == ["a", "c"], timeout=2)
    assert answers.waiting() == 0
    answers.wait("d")
    answers.close()  # the account closes: nothing fires after
    later: list[str] = []
    witness = AwaitedAnswers(later.append, delay=0.1)  # a clock that outlasts d's
    witness.wait("w")
    await until(lambda: later == ["w"], timeout=2)
    assert sorted(silent) == ["a", "c"]
