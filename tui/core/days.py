"""Irssi's "Day changed to ..." lines, for live lines and history pages alike."""

from __future__ import annotations

from datetime import datetime

from .model import Line, LineKind

DAY_PREFIX = "Day changed to "


def local_date(line: Line):
    return line.time.astimezone().date()


def day_line(when: datetime) -> Line:
    local = when.astimezone()
    # midnight of that day, so the marker sorts before the day's first line
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return Line(f"{DAY_PREFIX}{local:%A %d %b %Y}", LineKind.EVENT, time=midnight)


def is_day_line(line: Line) -> bool:
    return line.kind is LineKind.EVENT and line.body.startswith(DAY_PREFIX)


def with_day_changes(previous: Line | None, lines: list[Line]) -> list[Line]:
    """``lines`` with a day-change line before each line that starts a new
    local day after ``previous`` (no marker before the very first line of a
    window: there is nothing to change from)."""
    out: list[Line] = []
    last = previous
    for line in lines:
        if last is not None and not is_day_line(line) and local_date(line) != local_date(last):
            out.append(day_line(line.time))
        out.append(line)
        last = line
    return out
