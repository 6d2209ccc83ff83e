"""TLS contexts made ahead at launch (tls_policy.make_ahead): each taken
once by the account that needs it, keyed by its ca_file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.xmpp.account import tls_policy


async def test_a_context_made_ahead_is_taken_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []

    def tls_context(ca_file):
        made.append(ca_file)
        return ("context", len(made))

    monkeypatch.setattr(tls_policy, "tls_context", tls_context)
    monkeypatch.setattr(tls_policy, "_ahead", {})
    tls_policy.make_ahead([None, Path("/etc/ca.pem"), "/etc/ca.pem"])  # one per distinct file
    assert await tls_policy.made_context("/etc/ca.pem") in (("context", 1), ("context", 2))
    assert await tls_policy.made_context(None) in (("context", 1), ("context", 2))
    assert sorted(map(str, made)) == ["/etc/ca.pem", "None"]
    # taken: the next one is made anew
    assert await tls_policy.made_context(Path("/etc/ca.pem")) == ("context", 3)


def test_one_left_by_an_earlier_loop_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """An account that never took its context (its password failed) leaves
    it behind; a later launch in the same process makes its own."""
    import asyncio

    made: list[int] = []

    def tls_context(ca_file):
        made.append(1)
        return len(made)

    monkeypatch.setattr(tls_policy, "tls_context", tls_context)
    monkeypatch.setattr(tls_policy, "_ahead", {})

    async def first() -> None:
        tls_policy.make_ahead(["/etc/ca.pem"])
        await asyncio.sleep(0.05)

    async def second() -> object:
        tls_policy.make_ahead(["/etc/ca.pem"])
        return await tls_policy.made_context("/etc/ca.pem")

    async def third() -> object:  # nothing made ahead in this loop: made now
        return await tls_policy.made_context("/etc/ca.pem")

    asyncio.run(first())
    assert asyncio.run(second()) == 2
    stale = asyncio.new_event_loop()
    tls_policy._ahead["/etc/ca.pem"] = stale.create_future()
    stale.close()
    assert asyncio.run(third()) == 3
