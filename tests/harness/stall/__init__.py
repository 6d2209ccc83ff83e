"""A Parlons whose event loop a test can stall (the loop's thread asleep,
its other threads running), as a loop too busy to take keys would be: the
``sitecustomize`` here is put first on the started Parlons' PYTHONPATH."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.harness.terminal import ROOT, parlons_pid
from tests.harness.wait import until

HOOK = Path(__file__).resolve().parent


class Stall:
    def __init__(self, tmp_path: Path, seconds: float = 4.0) -> None:
        self.where = tmp_path / "stall"
        self.where.mkdir()
        self.env = {"PYTHONPATH": os.pathsep.join([str(HOOK), str(ROOT)]),
                    "PARLONS_TEST_STALL": str(self.where), "PARLONS_TEST_STALL_SECONDS": str(seconds)}

    @property
    def over(self) -> bool:
        return (self.where / "ended").exists()

    async def begin(self, tmux) -> None:
        """Stall the loop of the Parlons in ``tmux``; return once it is stalled."""
        for marker in ("began", "ended"):
            (self.where / marker).unlink(missing_ok=True)
        os.kill(parlons_pid(tmux), signal.SIGUSR1)
        await until(lambda: (self.where / "began").exists(), timeout=5, message="the loop stalled")

    async def end(self) -> None:
        await until(lambda: self.over, timeout=15, message="the stall over")
