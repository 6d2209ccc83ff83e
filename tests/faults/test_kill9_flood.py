"""SIGKILL right after a flood was shown: Parlons (the real app, in a tmux
pane) is killed while the flood's messages still wait in the history's
inbox, stored but not merged into the indexed tables (tui/store/inbox.py).
Opening the history again keeps every line that was shown, once, in order,
and searchable."""

from __future__ import annotations

from tests.faults.test_kill9_outbox import sigkill
from tests.harness.flood import flood
from tests.harness.terminal import in_bob_window, screen_shows
from tui.store import HistoryStore
from tui.store.history import history_path
from tui.store.inbox import inbox_path

N = 500


async def test_a_flood_shown_before_kill_9_is_all_in_the_history_once(prosody, make_account, make_peer,
                                                                      tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    history = history_path(tmp_path / "data" / "parlons", jid)
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    result = await flood(bob, jid, N)
    assert result.sent == N
    await screen_shows(tmux, f"flood {N - 1}", timeout=60)
    sigkill(tmux)
    waiting = inbox_path(history).read_bytes().count(b"\n")
    assert waiting > 0, "killed after the merge: this test would not replay the inbox"

    store = await HistoryStore.open(history)
    try:
        expected = ["hi", *(f"flood {i}" for i in range(N))]
        assert [r.text for r in await store.latest(bob.jid, 2 * N)] == expected
        assert len(await store.search("flood", bob.jid, limit=2 * N)) == N
    finally:
        await store.close()
    assert inbox_path(history).stat().st_size == 0
