"""``/help`` text, generated from the command declarations.

The functions return plain lines (``list[str]``).  Show each one as a
``rich.text.Text``/``Content`` built from the string, never as markup: a
description may well contain ``[brackets]``.
"""

from __future__ import annotations

from .registry import Command, Registry

# Groups are listed in this order; any other group follows alphabetically.
GROUP_ORDER = ("connection", "chat", "rooms", "roster", "windows", "blog", "crypto", "general", "help")

INDENT = "  "


def _group_key(group: str) -> tuple[int, str]:
    try:
        return (GROUP_ORDER.index(group), group)
    except ValueError:
        return (len(GROUP_ORDER), group)


def _title(command: Command) -> str:
    if not command.aliases:
        return f"/{command.name}"
    aliases = ", ".join(f"/{alias}" for alias in command.aliases)
    return f"/{command.name} ({aliases})"


def help_index(registry: Registry) -> list[str]:
    """All commands, grouped: ``/join (/j)  — Join a room``."""
    groups: dict[str, list[Command]] = {}
    for command in registry.all():
        groups.setdefault(command.group, []).append(command)
    width = max((len(_title(c)) for c in registry.all()), default=0)
    lines: list[str] = []
    for group in sorted(groups, key=_group_key):
        lines.append(f"{group.capitalize()}:")
        for command in groups[group]:
            if command.summary:
                lines.append(f"{INDENT}{_title(command).ljust(width)} — {command.summary}")
            else:
                lines.append(f"{INDENT}{_title(command)}")
    lines.append("Type /help COMMAND or /COMMAND? for details.")
    return lines


def help_command(command: Command) -> list[str]:
    """Profanity-style help: Synopsis, Description, Arguments, Examples."""
    lines = [f"/{command.name} — {command.summary}" if command.summary else f"/{command.name}"]
    lines += ["Synopsis", f"{INDENT}{command.usage}"]
    if command.aliases:
        lines += ["Aliases", INDENT + ", ".join(f"/{alias}" for alias in command.aliases)]
    if command.description:
        lines.append("Description")
        lines += [f"{INDENT}{line}".rstrip() for line in command.description.strip().splitlines()]
    if command.args:
        lines.append("Arguments")
        width = max(len(arg.usage()) for arg in command.args)
        for arg in command.args:
            detail = arg.help
            if arg.rest:
                detail = (detail + " (the rest of the line)").strip()
            lines.append(f"{INDENT}{arg.usage().ljust(width)}  {detail}".rstrip())
    if command.examples:
        lines.append("Examples")
        lines += [f"{INDENT}{example}" for example in command.examples]
    if command.windows is not None:
        kinds = ", ".join(sorted(kind.value for kind in command.windows))
        lines += ["Available in", f"{INDENT}{kinds} windows"]
    return lines


def help_for(registry: Registry, topic: str | None = None) -> list[str]:
    """What ``/help [topic]`` shows.  An unknown or ambiguous topic raises
    :class:`~tui.commands.registry.CommandError` (one line)."""
    if topic is None or not topic.strip():
        return help_index(registry)
    return help_command(registry.lookup(topic))
