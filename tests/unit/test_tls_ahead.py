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
