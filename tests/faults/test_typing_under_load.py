"""Typing while Parlons is busy, in a real terminal (tmux): every typed line
reaches the contact exactly as typed, one message per Enter — while a
contact floods us, while the link is cut and being re-established, and when
a line and its Enter arrive in one terminal write.

Keys are typed one tmux command each, 12 ms apart, Enter 0.3 s after the
line's last key: a steady human pace.  A busy app reads such keys late and
bunched (a reader thread waiting for the GIL, keys waiting behind the event
loop); that must not make them look like a paste."""

from __future__ import annotations

import asyncio

from tests.harness.flood import flood
from tests.harness.proxy import CuttableProxy
from tests.harness.terminal import in_bob_window, screen_shows
from tests.harness.wait import until

KEY_GAP = 0.012
ENTER_AFTER = 0.3
WAVE_LEAD = 0.05
PROMPT = "Esc cancel"  # the paste prompt's last words


def typed_lines(tag: str) -> list[str]:
    return [f"{tag}{n} the quick brown fox jumps" for n in range(3)]


async def type_lines(tmux, lines: list[str], pause_started=None, line_started=None) -> None:
    """Each line one key at a time, then Enter ENTER_AFTER later.  The keys
    are typed from a thread, so the peers on this loop keep running;
    ``line_started()`` is called before each line, ``pause_started()``
    WAVE_LEAD before each Enter."""
    for line in lines:
        if line_started is not None:
            line_started()
        await asyncio.to_thread(tmux.type_at_pace, line, KEY_GAP)
        await asyncio.sleep(ENTER_AFTER - WAVE_LEAD)
        if pause_started is not None:
            pause_started()
        await asyncio.sleep(WAVE_LEAD)
        tmux.send_keys("Enter")
        await asyncio.sleep(KEY_GAP)


async def test_lines_typed_during_a_flood_arrive_exactly_as_typed(prosody, make_account, make_peer, tmux,
                                                                   tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    lines = typed_lines("busy")
    # the contact's 2,001 messages come in 3 waves, each starting WAVE_LEAD
    # before an Enter: Parlons is busiest when its Enter and the next keys
    # are typed (against the old code: 'busy0 ...\nbusy' sent, the rest of
    # line 2 lost, 2 runs of 2)
    waves: list[asyncio.Task] = []
    await type_lines(tmux, lines, lambda: waves.append(asyncio.create_task(flood(bob, jid, 667))))
    for wave in waves:
        await wave
    # a last line once all is quiet: whatever came before it has arrived
    await type_lines(tmux, ["done"])
    await until(lambda: bob.bodies()[-1:] == ["done"], timeout=10,
                message=lambda: f"bob got {bob.bodies()!r}; screen:\n{tmux.capture()}")
    assert bob.bodies() == lines + ["done"]
    assert PROMPT not in tmux.capture()


async def test_a_line_and_its_enter_in_one_terminal_write_is_sent(prosody, make_account, make_peer, tmux,
                                                                  tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    tmux.send_in_one_write("sent in one write\r")
    await until(lambda: bob.bodies() == ["sent in one write"], timeout=5,
                message=lambda: f"bob got {bob.bodies()!r}; screen:\n{tmux.capture()}")
    assert PROMPT not in tmux.capture()


async def test_an_enter_after_a_pause_sends_even_with_the_next_keys_bunched_behind_it(
        prosody, make_account, make_peer, tmux, tmp_path):
    """What a busy reader (or a laggy link) makes of typing: an Enter typed
    after a pause arrives in one write with the first keys of the next line.
    Against the old code: bob got 'bunch0 ...\nbunch1 the' and the rest of
    the second line was lost."""
    jid, password = make_account("alice")
    bob = await make_peer()
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    first, second = "bunch0 the quick brown fox", "bunch1 the quick brown fox"
    await asyncio.to_thread(tmux.type_at_pace, first, KEY_GAP)
    await asyncio.sleep(ENTER_AFTER)
    tmux.send_in_one_write("\r" + second[:10])
    await type_lines(tmux, [second[10:], "done"])
    await until(lambda: bob.bodies()[-1:] == ["done"], timeout=10,
                message=lambda: f"bob got {bob.bodies()!r}; screen:\n{tmux.capture()}")
    assert bob.bodies() == [first, second, "done"]
    assert PROMPT not in tmux.capture()


async def test_lines_typed_while_reconnecting_are_sent_as_typed(prosody, make_account, make_peer, tmux,
                                                                 tmp_path):
    """As each line starts the link is cut (RST); as its Enter comes carol,
    in whose window we type, sends a wave of messages (Prosody queues them
    while the session hibernates and hands them over on resume); the first
    Enter arrives with the next line's first keys (one write, as when the
    reader was held up): the window holds exactly the typed lines, each its
    own outgoing line, and carol receives each once, in order.  (Old code: 'out0 ...\nout1 ' as one line, the rest
    of the second line lost.)"""
    jid, password = make_account("alice")
    carol = await make_peer()
    with CuttableProxy(prosody.host, prosody.c2s_port) as proxy:
        await in_bob_window(tmux, tmp_path, prosody, jid, password, carol,
                            account={"host": proxy.host, "port": proxy.port})
        lines = typed_lines("out")

        waves: list[asyncio.Task] = []

        def wave() -> None:
            waves.append(asyncio.create_task(flood(carol, jid, 667)))
        proxy.cut()
        await asyncio.to_thread(tmux.type_at_pace, lines[0], KEY_GAP)
        await asyncio.sleep(ENTER_AFTER - WAVE_LEAD)
        wave()
        await asyncio.sleep(WAVE_LEAD)
        tmux.send_in_one_write("\r" + lines[1][:5])
        await type_lines(tmux, [lines[1][5:], lines[2]], wave, line_started=proxy.cut)
        for wave in waves:
            await wave
        # back online (the status bar; "sent once back online" lines say it too);
        # an attempt cut mid-negotiation is started again after CONNECT_TIMEOUT
        await screen_shows(tmux, f"{jid}: online]", timeout=25)
        assert await own_lines(tmux, jid) == lines
        assert PROMPT not in tmux.capture()
        # and the outbox delivers what was typed while offline: once each, in order
        await until(lambda: carol.bodies() == lines, timeout=20, message=lambda: repr(carol.bodies()))


async def own_lines(tmux, jid: str) -> list[str]:
    """Our own lines in the active chat window's whole history, by /lastlog
    (the window's lines on screen are scrolled away by the flood)."""
    await asyncio.to_thread(tmux.type_line, "/lastlog quick brown")
    screen = await screen_shows(tmux, "Lastlog 'quick brown': ")
    nick = f"] {jid.split('@')[0]}: "
    rows = screen[screen.rindex("Lastlog 'quick brown': "):].splitlines()
    # (the scrollbar may follow the text after a run of spaces)
    return [row.split(nick, 1)[1].split("  ")[0].rstrip() for row in rows if nick in row]
