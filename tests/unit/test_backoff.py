import random

from tui.xmpp.account.backoff import Backoff


def test_delays_grow_exponentially_with_jitter_and_a_cap():
    backoff = Backoff(base=1, cap=60, _random=random.Random(7))
    delays = [backoff.next_delay() for _ in range(10)]
    for attempt, delay in enumerate(delays):
        ceiling = min(60, 2 ** attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 60


def test_jitter_differs_between_clients():
    a = Backoff(_random=random.Random(1))
    b = Backoff(_random=random.Random(2))
    assert [a.next_delay() for _ in range(4)] != [b.next_delay() for _ in range(4)]


def test_reset_starts_over():
    backoff = Backoff(base=2)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert 1 <= backoff.next_delay() <= 2
