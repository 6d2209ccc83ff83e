"""tui/xmpp/account/while_online.py: the task of a watch runs while a
session is up — started on session_start and session_resumed (afresh),
cancelled on disconnected, and left to finish when it is the one that
brought the link down (the keepalive declaring it dead)."""

from __future__ import annotations

import asyncio

import slixmpp

from tui.xmpp.account.while_online import WhileOnline


class Watch:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.clients: list[slixmpp.ClientXMPP] = []
        self.started = asyncio.Event()

    async def run(self, xmpp: slixmpp.ClientXMPP) -> None:
        n = len(self.clients)
        self.clients.append(xmpp)
        self.events.append(f"start {n}")
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.events.append(f"cancelled {n}")
            raise


async def _turns(n: int = 3) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_runs_from_session_start_to_disconnection_and_again_on_resumption() -> None:
    watch = Watch()
    task = WhileOnline(watch.run)
    xmpp = slixmpp.ClientXMPP("alice@example.org/t", "secret")
    task.attach(xmpp)
    assert not task.running

    xmpp.event("session_start")
    await asyncio.wait_for(watch.started.wait(), 5)
    assert task.running and watch.clients == [xmpp]

    xmpp.event("disconnected", "gone")
    await _turns()
    assert not task.running
    assert watch.events == ["start 0", "cancelled 0"]

    xmpp.event("session_resumed")
    await _turns()
    assert task.running
    assert watch.events == ["start 0", "cancelled 0", "start 1"]

    task.start()  # a restart (a new interval): the same client, a fresh task
    await _turns()
    assert watch.events == ["start 0", "cancelled 0", "start 1", "cancelled 1", "start 2"]
    assert watch.clients == [xmpp, xmpp, xmpp]
    task.stop()
    await _turns()
    assert watch.events[-1] == "cancelled 2" and not task.running


async def test_a_new_client_attached_is_the_one_run_for() -> None:
    watch = Watch()
    task = WhileOnline(watch.run)
    first, second = (slixmpp.ClientXMPP(f"alice@example.org/{r}", "secret") for r in ("a", "b"))
    task.attach(first)
    task.attach(second)
    second.event("session_start")
    await _turns()
    assert watch.clients == [second]
    task.stop()
    await _turns()


async def test_the_task_that_drops_the_link_finishes_its_own_work() -> None:
    xmpp = slixmpp.ClientXMPP("alice@example.org/t", "secret")
    done: list[str] = []

    async def run(client: slixmpp.ClientXMPP) -> None:
        await asyncio.sleep(0)
        client.event("disconnected", "ours")  # (as an abort fires it, from within)
        done.append("said")
        await asyncio.sleep(0)  # not cancelled: this returns
        done.append("finished")

    task = WhileOnline(run)
    task.attach(xmpp)
    xmpp.event("session_start")
    await _turns(5)
    assert done == ["said", "finished"]
    assert not task.running
