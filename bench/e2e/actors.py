"""The actors of a run: a Prosody of its own, agents (bare slixmpp clients
in child processes: bench/e2e/agent.py) and Parlons in a tmux pane."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, TypeVar

from bench.e2e.metrics import proc_stats
from bench.e2e.pane_output import PaneOutput
from bench.e2e.tmuxctl import TmuxControl
from tests.harness.prosody import ProsodyServer, free_ports
from tests.harness.terminal import ROOT, parlons_pid, start_parlons
from tests.harness.tmux import TmuxDriver

SIZE = (160, 48)
# Where Parlons keeps what it can make again (tui/dataclass_code.py: the code
# of its start's dataclasses), shared by every launch of the bench as a
# user's launches share theirs; W1 warms it before it times a start.
CACHE_HOME = Path(tempfile.gettempdir()) / "parlons-bench-cache"
PASSWORD = "bench-secret"


class Closable(Protocol):
    def close(self) -> None: ...


A = TypeVar("A", bound=Closable)


class BenchError(RuntimeError):
    pass


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


COMPONENT_SECRET = "bench-component"


# W7's crowd (bench/e2e/crowd.py) puts N occupants in a room from the
# component domain.  A room tells each occupant of every join: filling a room
# of N costs ≈N²/2 presences, ≈500,000 at 1,000: 130 µs of Prosody each
# through the component's socket, still ≈90 µs dropped just before it (plus
# a copied occupant per pair): minutes of Prosody at 1,000.  This module, on
# the MUC host, keeps the crowd deaf: a crowd occupant's join or leave is told
# only to itself (then dropped), the room's occupant list and others' joins
# are not told to it; the subject still goes.  The room then fills in ≈2 s.
# The joiners measured (the floor, Parlons) are ordinary clients and get
# what any room sends them: every occupant's presence, their own, the subject.
# (What Prosody no longer does: tell 1,000 occupants of that joiner.)
CROWD_SINK_LUA = """\
-- bench/e2e: W7's crowd (occupants from bench_crowd_domain) hears no one else
local jid_host = require "util.jid".host;
local crowd_domain = module:get_option_string("bench_crowd_domain");
local room_mt = module:depends("muc").room_mt;
local original = {};
for _, name in ipairs({ "route_to_occupant", "send_occupant_list", "publicise_occupant_status" }) do
\toriginal[name] = room_mt[name];
end
local function in_crowd(jid) return jid_host(jid) == crowd_domain; end
function room_mt:route_to_occupant(occupant, stanza)  -- a joiner's presence, told the crowd
\tif in_crowd(occupant.bare_jid) then return; end
\treturn original.route_to_occupant(self, occupant, stanza);
end
function room_mt:send_occupant_list(to, filter)  -- who is in, told a crowd joiner
\tif in_crowd(to) then return; end
\treturn original.send_occupant_list(self, to, filter);
end
function room_mt:publicise_occupant_status(occupant, x, nick, actor, reason, prev_role, force_unavailable, recipient)
\tif in_crowd(occupant.bare_jid) and not recipient then
\t\t-- a crowd join or leave: told only itself (the bot that opened the room never hears of the crowd)
\t\trecipient = occupant;
\tend
\treturn original.publicise_occupant_status(self, occupant, x, nick, actor, reason, prev_role, force_unavailable, recipient);
end
module:hook("module-unloaded", function (event)
\tif event.module == module.name then
\t\tfor name, f in pairs(original) do room_mt[name] = f; end
\tend
end);
"""


class Server:
    """A Prosody of one workload (random ports, temp dir, its own CA); with
    ``component``, an external component domain ``bots.<domain>`` too
    (bench/e2e/storm.py connects there to speak for thousands of contacts)."""

    def __init__(self, base: Path, component: bool = False, gc: str | None = None) -> None:
        self.base = base
        self.prosody = ProsodyServer(base / "prosody")
        self.component_domain = f"bots.{self.prosody.domain}"
        self.component_port = free_ports(1)[0]
        if gc:  # Lua's collector in this mode, at Prosody's defaults for it
            self._add_globals(f'gc = {{ mode = "{gc}" }}')
        if component:
            self._add_globals(f'component_ports = {{ {self.component_port} }}',
                              f'component_interfaces = {{ "{self.prosody.host}" }}',
                              f'bench_crowd_domain = "{self.component_domain}"')
            text = self.prosody.config_file.read_text()
            text += f'\nComponent "{self.component_domain}"\n    component_secret = "{COMPONENT_SECRET}"\n'
            text = text.replace('modules_enabled = { "muc_mam" }', 'modules_enabled = { "muc_mam"; "bench_crowd_sink" }', 1)
            if "bench_crowd_sink" not in text:
                raise BenchError("the MUC host's modules_enabled line moved: W7's crowd module not loaded")
            (self.prosody.plugin_dir / "mod_bench_crowd_sink.lua").write_text(CROWD_SINK_LUA)
            self.prosody.config_file.write_text(text)
        self.prosody.start()

    def _add_globals(self, *options: str) -> None:
        """Global options go before the first VirtualHost."""
        text = self.prosody.config_file.read_text()
        self.prosody.config_file.write_text(
            text.replace("\nVirtualHost ", "\n" + "\n".join(options) + "\n\nVirtualHost ", 1))

    def account(self, prefix: str) -> tuple[str, str]:
        return self.prosody.create_account(unique(prefix), PASSWORD), PASSWORD

    def room(self, prefix: str = "bench") -> str:
        return f"{unique(prefix)}@{self.prosody.muc_domain}"

    def write_roster(self, jid: str, contacts: list[str]) -> None:
        """Give ``jid`` a roster of ``contacts`` (subscription both) straight in
        Prosody's file store, as create_account writes accounts: a roster push
        per contact would take minutes and is not what is measured."""
        from tests.harness.prosody import _encode_store_name, _lua  # the store's own encoding

        user = jid.split("@")[0]
        directory = self.prosody.data_dir / _encode_store_name(self.prosody.domain) / "roster"
        directory.mkdir(parents=True, exist_ok=True)
        items = "".join(
            f'\t[{_lua(contact)}] = {{ ["subscription"] = "both"; ["groups"] = {{ ["Bench"] = true }}; '
            f'["name"] = {_lua(contact.split("@")[0])} }};\n' for contact in contacts)
        text = f'return {{\n\t[false] = {{ ["version"] = 1 }};\n{items}}};\n'
        (directory / f"{_encode_store_name(user)}.dat").write_text(text)

    def close(self) -> None:
        self.prosody.stop()


class AgentProcess:
    """A bench/e2e/agent.py child: commands in, JSON events out."""

    def __init__(self, server: Server, jid: str, password: str, log: Path,
                 command: list[str] | None = None) -> None:
        prosody = server.prosody
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.jid = jid
        self.launched = time.monotonic()
        self._log = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.e2e.agent", "--jid", jid, "--password", password,
             "--host", prosody.host, "--port", str(prosody.c2s_port), "--ca", str(prosody.ca_file)]
            if command is None else [sys.executable, "-m", *command],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env, cwd=ROOT,
            # A session of its own: the kernel's autogroup scheduling shares the
            # CPUs between sessions, and a load generator left in the bench's
            # session would delay the bench's own timing (a key's send, the
            # screen poll that sees its echo) behind its bursts. (It quits at
            # the end of its stdin: it does not outlive the bench.)
            start_new_session=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.put(json.loads(line))
        self.events.put({"event": "exited"})

    def wait(self, event: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise BenchError(f"{self.jid}: no {event!r} within {timeout} s") from None
            if got["event"] == event:
                return got
            if got["event"] in ("error", "exited"):
                raise BenchError(f"{self.jid}: {got}")

    def send(self, op: str, **fields: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()

    def do(self, op: str, timeout: float = 60, reply: str = "ok", **fields: Any) -> dict[str, Any]:
        self.send(op, **fields)
        return self.wait(reply, timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@contextlib.contextmanager
def closed_on_failure(actor: A) -> Iterator[A]:
    """``actor`` (a Parlons, an AgentProcess), closed if what follows raises:
    a launch or a wait that failed leaves no tmux server nor process behind
    to take the CPU of the runs after it."""
    try:
        yield actor
    except BaseException:
        actor.close()
        raise


@contextlib.contextmanager
def server_with_bot(prefix: str) -> Iterator[tuple[Path, Server, AgentProcess]]:
    """A Prosody of its own in a temporary directory, and a bot online on it
    (bench/e2e/agent.py): (the directory, the server, the bot)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        base = Path(tmp)
        server = Server(base)
        bot_jid, bot_password = server.account("bot")
        bot = AgentProcess(server, bot_jid, bot_password, base / "bot.log")
        try:
            bot.wait("online", timeout=30)
            yield base, server, bot
        finally:
            bot.close()
            server.close()


def storm_process(server: Server, log: Path) -> AgentProcess:
    """bench/e2e/storm.py on the server's component domain."""
    return AgentProcess(server, server.component_domain, COMPONENT_SECRET, log, command=[
        "bench.e2e.storm", "--domain", server.component_domain, "--secret", COMPONENT_SECRET,
        "--host", server.prosody.host, "--port", str(server.component_port)])


def crowd_process(server: Server, log: Path) -> AgentProcess:
    """bench/e2e/crowd.py on the server's component domain (W7's occupants)."""
    return AgentProcess(server, server.component_domain, COMPONENT_SECRET, log, command=[
        "bench.e2e.crowd", "--domain", server.component_domain, "--secret", COMPONENT_SECRET,
        "--host", server.prosody.host, "--port", str(server.component_port)])


class Parlons:
    """Parlons under tmux (160x48), its screen read by a control-mode client."""

    def __init__(self, server: Server, jid: str, password: str, home: Path) -> None:
        self.jid = jid
        self.tmux = TmuxDriver()
        self.launched = time.monotonic()
        start_parlons(self.tmux, home, server.prosody, jid, password, size=SIZE,
                      extra_env={"XDG_CACHE_HOME": str(CACHE_HOME)})
        self._watch(home)

    def _watch(self, home: Path) -> None:
        """The control client and the pane's output, once the pane runs; if
        either cannot be had, nothing is left running (tmux killed)."""
        self._pid: int | None = None
        try:
            self.ctl = TmuxControl(self.tmux)
            try:
                self.output = PaneOutput(self.tmux, home)
            except BaseException:
                self.ctl.close()
                raise
        except BaseException:
            self.tmux.kill()
            raise

    @property
    def pid(self) -> int:
        if self._pid is None:
            deadline = time.monotonic() + 10
            while True:
                try:
                    self._pid = self._find_pid()
                    break
                except LookupError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.005)
        return self._pid

    def _find_pid(self) -> int:
        """The client's process in the pane (LookupError: not started yet)."""
        return parlons_pid(self.tmux)

    def stats(self) -> dict[str, float]:
        return proc_stats(self.pid)

    def screen(self) -> str:
        return "\n".join(self.ctl.capture())

    def wait_for(self, text: str, timeout: float = 60, rows: tuple[int, int] | None = None) -> float:
        """Until the screen (or ``rows``) shows ``text``; the time it was first seen."""
        return self.wait_lines(lambda lines: any(text in line for line in lines), time.monotonic() + timeout,
                               rows, f"{text!r} not on screen within {timeout} s")

    def wait_lines(self, matches: Callable[[list[str]], bool], deadline: float,
                   rows: tuple[int, int] | None, failure: str) -> float:
        """Read the screen (or ``rows``) as the program writes to it
        (bench/e2e/pane_output.py) until ``matches`` its lines; the time
        they were read.  BenchError (``failure`` and the last lines read)
        if they did not by ``deadline``."""
        lines: list[str] = []

        def shows() -> bool:
            lines[:] = self.ctl.capture(*rows) if rows else self.ctl.capture()
            return matches(lines)

        seen = self.output.first_seen(shows, deadline)
        if seen is None:
            raise BenchError(f"{failure}:\n" + "\n".join(lines))
        return seen

    def input_row(self) -> str:
        return self.ctl.capture(SIZE[1] - 1, SIZE[1] - 1)[0]

    def type_line(self, text: str) -> None:
        self.ctl.send_text(text)
        self.wait_for(text[-30:], timeout=20, rows=(SIZE[1] - 1, SIZE[1] - 1))
        self.ctl.send_keys("Enter")

    def close(self) -> None:
        try:
            self.ctl.close()
            self.tmux.kill()
        finally:
            self.output.close()


class ScreenWatch:
    """Reads Parlons' screen for ``text`` as Parlons writes to it, from a
    thread and a control client of its own, so the moment it first shows is
    known while the main thread types keys (a check between two rounds of
    keys would see it up to a round late).  A context manager; ``wait`` →
    that moment."""

    def __init__(self, parlons: Parlons, text: str,
                 at_seen: Callable[[], dict[str, float]] | None = None) -> None:
        self.text = text
        self._output = parlons.output
        self.seen: float | None = None
        self._at_seen = at_seen
        self.seen_stats: dict[str, float] | None = None  # at_seen's result, taken when seen
        self.last_screen: list[str] = []
        self._ctl = TmuxControl(parlons.tmux)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        for now in self._output.turns(float("inf")):
            if self._stop.is_set():
                return
            self.last_screen = self._ctl.capture()
            if any(self.text in line for line in self.last_screen):
                if self._at_seen is not None:
                    self.seen_stats = self._at_seen()
                self.seen = now
                return

    @property
    def done(self) -> bool:
        return self.seen is not None

    def wait(self, timeout: float) -> float:
        self._thread.join(timeout)
        if self.seen is None:
            raise BenchError(f"{self.text!r} not on screen within {timeout} s:\n" + "\n".join(self.last_screen))
        return self.seen

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._ctl.close()

    def __enter__(self) -> ScreenWatch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
