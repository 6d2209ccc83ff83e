"""Profanity (a libstrophe client, the encryption issue's interop peer) and
Parlons talk through the test Prosody: the harness that the OTR and OpenPGP
interop tests stand on, proved on plain messages both ways."""

from __future__ import annotations


from tests.harness.client import run, window_text
from tests.harness.wait import until
from tui.core.model import LineKind



async def test_profanity_and_parlons_talk_both_ways(alice, profanity):
    await profanity.command(f"/msg {alice.jid} hello from profanity")
    window = await until(lambda: alice.account.chat.find_window(profanity.jid), timeout=20)
    await until(lambda: any(l.body == "hello from profanity" and l.kind is LineKind.INCOMING for l in window.lines),
                message=lambda: window_text(window))
    await run(alice, "hello from parlons", window)
    await profanity.wait_for("hello from parlons")
