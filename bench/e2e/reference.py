"""Poezio (Debian's 0.14, the reference client of issue 14's table) in the
pane instead of Parlons, for W4P: the same bench, flood and key timing, so
a key's echo can be set beside a client that users compare Parlons with,
measured on the same machine in the same hour.

Poezio refuses to run as root: under root it runs as ``nobody`` (setpriv),
its home a private temporary directory.  It trusts the run's CA
(``ca_cert_path``), joins the room at start (``rooms``), and the bench
switches to the room's tab (Ctrl+N).  Its input line is the screen's last
row, right of the tab list's column.  Needs ``poezio`` (``apt install
poezio``): without it W4P stops with that message.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.e2e.actors import SIZE, AgentProcess, BenchError, Parlons, Server, closed_on_failure
from tests.harness.terminal import pane_process
from tests.harness.tmux import TmuxDriver

NOBODY = 65534
TAB_COLUMN_EDGE = "\u2502"  # "│" between the tab list and the room


class Poezio(Parlons):
    """Poezio under tmux (160x48), with the bench's Parlons API (screen,
    input row, keys, process stats)."""

    def __init__(self, server: Server, jid: str, password: str, room: str) -> None:
        if shutil.which("poezio") is None:
            raise BenchError("W4P needs poezio (apt install poezio)")
        self.jid = jid
        self.home = Path(tempfile.mkdtemp(prefix="poezio"))
        config = self.home / ".config" / "poezio"
        config.mkdir(parents=True)
        ca = self.home / "ca.pem"
        ca.write_bytes(server.prosody.ca_file.read_bytes())
        (config / "poezio.cfg").write_text(
            f"[Poezio]\njid = {jid}\npassword = {password}\ncustom_host = {server.prosody.host}\n"
            f"custom_port = {server.prosody.c2s_port}\nca_cert_path = {ca}\nrooms = {room}/alice\n"
            "use_bookmarks_method = local\n")
        command = "poezio"
        if os.geteuid() == 0:
            for path in [self.home, *self.home.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
            command = f"setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups poezio"
        self.tmux = TmuxDriver()
        self.launched = time.monotonic()
        self.tmux.start(command, env={"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                                      "XDG_DATA_HOME": str(self.home / ".local/share"),
                                      "XDG_CACHE_HOME": str(self.home / ".cache"), "LANG": "C.UTF-8"},
                        width=SIZE[0], height=SIZE[1])
        self._watch(self.home)

    def _find_pid(self) -> int:
        # setpriv (under root) execs poezio: the same process, its argv "python3 /usr/bin/poezio"
        return pane_process(self.tmux, lambda command: any(part.endswith(b"/poezio") or part == b"poezio"
                                                           for part in command[:2])
                            and not command[0].endswith(b"setpriv"), "Poezio")

    def input_row(self) -> str:
        row = self.ctl.capture(SIZE[1] - 1, SIZE[1] - 1)[0]
        return row.split(TAB_COLUMN_EDGE, 1)[-1]

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.home, ignore_errors=True)


def poezio_in_room(server: Server, bot: AgentProcess, run_dir: Path) -> tuple[Poezio, str]:
    """Poezio online and in a room the bot opened, the room's tab shown."""
    jid, password = server.account("alice")
    room = server.room("w")
    bot.do("open", room=room, nick="bot", archive=True)
    with closed_on_failure(Poezio(server, jid, password, room)) as poezio:
        name = room.split("@")[0]
        poezio.wait_for(name, timeout=30)  # the room's tab in the list
        poezio.ctl.send_keys("C-n")
        poezio.wait_for(f"[{room}]", timeout=10)  # its info bar: the room's window shown
    return poezio, room
