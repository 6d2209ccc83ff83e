"""The foundation's commands: help, windows, connection, quitting, messages.

Each command is declared once here; /help, completion, the command palette
and usage errors all come from these declarations.
"""

from __future__ import annotations

from ..core.model import LineKind
from ..core.windows import Window, WindowKind
from .contacts import recipient
from .context import Context, account_named as _account, accounts_named as _accounts_named
from . import muc as muc_commands
from .help import help_for
from .registry import Arg, CommandError, Registry


def _window_number(ctx: Context, value: str) -> Window:
    window = None
    if value.isdigit():
        window = ctx.client.windows.get(int(value))
    else:
        window = ctx.client.windows.find_by_name(value)
    if window is None:
        raise CommandError(f"No window {value}")
    return window


def register(registry: Registry) -> None:
    cmd = registry.command

    # -- help ------------------------------------------------------------------
    @cmd("help", args=(Arg("command", required=False, completer="command"),),
         summary="List commands, or explain one", group="help",
         description="Without an argument, lists every command with a one-line summary. "
                     "With a command name, shows its usage, arguments and examples. "
                     "/CMD? is the same as /help CMD.",
         examples=("/help", "/help win", "/win?"))
    def _help(ctx: Context, args) -> None:
        for line in help_for(ctx.client.registry, args.command):
            ctx.out(line)

    # -- windows ----------------------------------------------------------------
    @cmd("window", aliases=("win", "w"),
         args=(Arg("target", metavar="N", completer="window",
                   choices=("next", "prev", "close", "list"), type=str),),
         summary="Go to window N (or next/prev), close it, or list windows", group="windows",
         description="Windows are numbered like Irssi: 1 is the status window, new conversations "
                     "take the lowest free number. Alt+1..0 and Ctrl+N/Ctrl+P do the same from the keyboard.",
         examples=("/win 2", "/win next", "/window list", "/window close"))
    async def _window(ctx: Context, args) -> None:
        windows = ctx.client.windows
        target = args.target
        if target == "next":
            windows.next()
        elif target == "prev":
            windows.prev()
        elif target == "close":
            await _close(ctx, None)
        elif target == "list":
            for window in windows:
                marker = "*" if window is windows.active else " "
                ctx.out(f"{marker}{window.number:>3}  {window.name}  ({window.kind.value})")
        else:
            windows.switch(_window_number(ctx, target).number)

    async def _close(ctx: Context, which: str | None) -> None:
        window = _window_number(ctx, which) if which else ctx.window
        if window.kind is WindowKind.STATUS:
            raise CommandError("The status window cannot be closed")
        if window.kind is WindowKind.ROOM:  # Irssi: closing a channel's window parts it
            await muc_commands.leave_window(ctx, window)
        ctx.client.windows.close(window.number)

    @cmd("close", aliases=("wc",), args=(Arg("window", required=False, completer="window"),),
         summary="Close this window (or window N)", group="windows",
         examples=("/close", "/wc 3"))
    async def _close_cmd(ctx: Context, args) -> None:
        await _close(ctx, args.window)

    @cmd("wl", summary="List windows", group="windows")
    def _wl(ctx: Context, args) -> None:
        for window in ctx.client.windows:
            ctx.out(f"{window.number:>3}  {window.name}  ({window.kind.value})")

    @cmd("clear", summary="Clear this window's log (history is kept)", group="windows")
    def _clear(ctx: Context, args) -> None:
        ctx.client.windows.clear(ctx.window)

    # -- connection -------------------------------------------------------------
    account_arg = Arg("account", required=False, completer="account",
                      help="an account's JID or a unique prefix of it")

    @cmd("connect", args=(account_arg,), summary="Connect an account (all when several and none named)",
         group="connection", examples=("/connect", "/connect alice@example.org"))
    def _connect(ctx: Context, args) -> None:
        for account in _accounts_named(ctx, args.account):
            account.session.connect()

    @cmd("disconnect", args=(account_arg,), summary="Disconnect an account and stop reconnecting",
         group="connection")
    async def _disconnect(ctx: Context, args) -> None:
        for account in _accounts_named(ctx, args.account):
            await account.session.disconnect()
            ctx.client.windows.status_line(f"{account.jid}: disconnected", LineKind.EVENT)

    @cmd("reconnect", args=(account_arg,), summary="Drop the connection and connect again",
         group="connection")
    async def _reconnect(ctx: Context, args) -> None:
        for account in _accounts_named(ctx, args.account):
            await account.session.reconnect()

    @cmd("quit", aliases=("bye", "exit"), args=(Arg("message", required=False, rest=True),),
         summary="Disconnect every account and leave", group="connection",
         examples=("/quit", "/quit see you tomorrow"))
    def _quit(ctx: Context, args) -> None:
        ctx.client.quit(args.message or "")

    # -- messages ---------------------------------------------------------------
    @cmd("msg", aliases=("m",), args=(Arg("contact", completer="recipient"), Arg("text", rest=True)),
         summary="Send a message to a contact (opens its window)", group="chat",
         description="CONTACT is a name from your roster, a JID's local part when only one of your "
                     "contacts has it, or a JID (checked before anything is sent). In a room window "
                     "a nick of the room comes first: a private message. Tab completes all of them.",
         examples=("/msg bob hello", "/msg bob@example.org hello", '/msg "Bob Smith" hi'))
    async def _msg(ctx: Context, args) -> None:
        target = recipient(ctx, args.contact)
        account = _account(ctx, None)
        # Like Profanity (and unlike Irssi's echo line), the conversation's
        # window comes forward: the answer will appear there.
        await account.chat.send(target, args.text, focus=True)

    @cmd("query", aliases=("q",), args=(Arg("contact", completer="recipient"),),
         summary="Open a conversation window without sending", group="chat",
         description="CONTACT as for /msg: a roster name, a unique local part, a JID, or in a room "
                     "a nick of the room.",
         examples=("/query bob", "/query bob@example.org"))
    def _query(ctx: Context, args) -> None:
        target = recipient(ctx, args.contact)
        _account(ctx, None).chat.window_for(target, focus=True)
