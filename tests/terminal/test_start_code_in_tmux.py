"""The real launch keeps the code dataclasses generate (tui/dataclass_code.py):
the first start compiles it and writes it to the cache directory, the next
start finds it there.  (Not all of it: which sources come before the face
is imported varies a little between starts — 24 of 652 once — and the few
a start meets for the first time are compiled and added.)"""

from __future__ import annotations

import re
import stat

from tests.harness.terminal import screen_shows, start_parlons
from tests.harness.wait import until
from tui.dataclass_code import FILE_NAME

SUMMARY = re.compile(r"dataclass code at start-up: (\d+) of (\d+) compiled")


async def test_the_second_start_compiles_no_dataclass_code(prosody, make_account, tmux, tmp_path):
    jid, password = make_account("alice")
    log_path = tmp_path / "state" / "parlons" / "parlons.log"
    cache = tmp_path / "cache" / "parlons" / FILE_NAME

    def summaries() -> list[tuple[int, int]]:
        text = log_path.read_text() if log_path.exists() else ""
        return [(int(compiled), int(used)) for compiled, used in SUMMARY.findall(text)]

    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: online")
    await until(lambda: len(summaries()) == 1 and cache.exists(), timeout=10,
                message=lambda: f"{summaries()} {cache.exists()}")
    [(compiled, used)] = summaries()
    assert used >= 100 and compiled >= used * 0.9, (compiled, used)  # (a source can repeat)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0

    tmux.kill()
    (tmp_path / "config" / "parlons" / "config.toml").unlink()  # start_parlons writes it again, the same
    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: online")
    await until(lambda: len(summaries()) == 2, timeout=10, message=lambda: f"{summaries()}")
    compiled, used = summaries()[1]
    assert used >= 100 and compiled <= used * 0.1, summaries()
    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0
