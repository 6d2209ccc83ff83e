"""Conversation commands: /me, /correct, /encrypt (/encryption), /retry, /lastlog, /search, /goto."""

from __future__ import annotations

from ..core.windows import CONVERSATIONS, WindowKind
from ..xmpp.conversation import encryption
from ..xmpp.conversation.protocol import ConversationError
from .context import Context, account_named
from .registry import Arg, CommandError, Registry

CHAT = frozenset({WindowKind.CHAT})
RESULT_LIMIT = 50


def _conversation(ctx: Context):
    conversation = ctx.client.conversation_for(ctx.window)
    if conversation is None:
        raise CommandError("This window has no conversation")
    return conversation


def _schemes(prefix: str) -> list[str]:
    return [name for name in ("off", *encryption.registered()) if name.startswith(prefix.lower())]


def _chat_account(ctx: Context):
    account = account_named(ctx, None)
    if not ctx.window.target:
        raise CommandError("This window has no conversation")
    return account


def _when(record) -> str:
    return f"{record.time.astimezone():%Y-%m-%d %H:%M}"


def register(registry: Registry) -> None:
    cmd = registry.command

    @cmd("me", args=(Arg("action", rest=True),), windows=CONVERSATIONS, group="chat",
         summary="Send an action (\"* alice waves\")", examples=("/me waves",))
    async def _me(ctx: Context, args) -> None:
        try:
            await _conversation(ctx).send(args.action, action=True)
        except ConversationError as exc:
            raise CommandError(str(exc)) from None

    @cmd("correct", args=(Arg("text", rest=True),), windows=CONVERSATIONS, group="chat",
         summary="Correct your last message in this window (XEP-0308)",
         description="Sends the new text as a correction of your last message; clients that "
                     "support corrections replace it, others show the new text. Up on an empty "
                     "line in a conversation or a room also brings your last message back for editing.",
         examples=("/correct hello, not helo",))
    async def _correct(ctx: Context, args) -> None:
        try:
            corrected = await _conversation(ctx).correct_last(args.text)
        except ConversationError as exc:
            raise CommandError(str(exc)) from None
        if corrected is None:
            raise CommandError("Nothing of yours to correct in this window")

    @cmd("encrypt", aliases=("encryption",), args=(Arg("scheme", required=False, completer=_schemes),),
         windows=CONVERSATIONS,
         group="chat", summary="Encrypt what you send here with SCHEME, or \"off\"; alone: how it is",
         description="End-to-end encryption for this conversation or room, from now on: what you send "
                     "is encrypted with the scheme named (never sent in clear if it cannot be). "
                     "\"/encrypt off\" sends in clear again. Without an argument: how this "
                     "conversation is encrypted (as the status bar says it), the scheme what you "
                     "send goes with, and the schemes available. Encrypted messages you receive are "
                     "decrypted whatever you chose; the log marks them ~, and marks ! a message in "
                     "clear while the conversation is encrypted.",
         examples=("/encrypt", "/encryption", "/encrypt off"))
    def _encrypt(ctx: Context, args) -> None:
        conversation = _conversation(ctx)
        available = ", ".join(encryption.registered()) or "none"
        if not args.scheme:
            state, used = ctx.client.encryption_in(ctx.window), conversation.encryption
            if state is None:
                ctx.out(f"Not encrypted (available: {available})")
            else:
                sending = f"what you send goes with {used}" if used else "what you send goes in clear"
                ctx.out(f"Encrypted: {state}; {sending} (available: {available})")
            offered = conversation.encryption_offered()
            ctx.out(f"{conversation.jid} offers: {', '.join(offered)}" if offered
                    else f"{conversation.jid} has offered no encryption Parlons knows of yet")
            return
        scheme = None if args.scheme.lower() == "off" else args.scheme
        try:
            conversation.use_encryption(scheme)
        except ConversationError as exc:
            raise CommandError(str(exc)) from None
        ctx.out(f"What you send to {conversation.jid} is encrypted with {scheme.lower()}" if scheme
                else f"What you send to {conversation.jid} goes in clear")

    @cmd("retry", windows=CHAT, group="chat",
         summary="Send again the messages of this window that failed or waited (offline)")
    async def _retry(ctx: Context, args) -> None:
        account = _chat_account(ctx)
        if not account.session.online:
            raise CommandError(account.session.offline_text)
        count = await account.chat.retry(ctx.window)
        ctx.out(f"Sent {count} message{'s' if count != 1 else ''} again" if count else "Nothing to send again")

    @cmd("lastlog", aliases=("last",), args=(Arg("pattern", rest=True),), group="chat",
         summary="Lines of this conversation containing PATTERN (its whole history)",
         description="Searches the current conversation, including history not on screen, for "
                     "lines containing PATTERN (case-insensitive). In other windows, searches "
                     "what the window shows.",
         examples=("/lastlog release", "/last http"))
    async def _lastlog(ctx: Context, args) -> None:
        pattern = args.pattern.strip()
        account = ctx.client.accounts.for_window(ctx.window)
        peer = ctx.window.peer_jid
        if peer and account is not None and account.chat.history.enabled:
            records = await account.chat.history.grep(peer, pattern, limit=RESULT_LIMIT)
            lines = [f"[{_when(r)}] {r.nick}: {r.text}" for r in records]
        else:
            folded = pattern.casefold()
            lines = [f"[{l.time.astimezone():%Y-%m-%d %H:%M}] {l.nick + ': ' if l.nick else ''}{l.body}"
                     for l in ctx.window.lines
                     if folded in l.body.casefold() and not l.body.startswith("Lastlog")][-RESULT_LIMIT:]
        ctx.out(f"Lastlog {pattern!r}: {len(lines)} line{'s' if len(lines) != 1 else ''}")
        for line in lines:
            ctx.out(f"  {line}")

    @cmd("search", args=(Arg("words", rest=True),), group="chat",
         summary="Search every conversation's history (words, newest first)",
         description="Full-text search of the stored history of all conversations of this "
                     "account. Each result shows its time, its conversation and its number: "
                     "/goto N opens that conversation at that message.",
         examples=("/search release notes", "/goto 2"))
    async def _search(ctx: Context, args) -> None:
        account = account_named(ctx, None)
        if not account.chat.history.enabled:
            raise CommandError("No history store: nothing to search")
        records = await account.chat.history.search(args.words, limit=RESULT_LIMIT)
        ctx.memory.search_results = [(account, r) for r in records]
        ctx.out(f"Search {args.words!r}: {len(records)} result{'s' if len(records) != 1 else ''}"
                + (" — /goto N to jump there" if records else ""))
        for number, record in enumerate(records, 1):
            window = account.chat.find_window(record.peer)
            where = f"{window.number}:{window.name}" if window else record.peer
            ctx.out(f"  {number:>2}. [{_when(record)}] {where} <{record.nick}> {record.text}")

    @cmd("goto", args=(Arg("result", type=int, metavar="N"),), group="chat",
         summary="Open the conversation of /search result N at that message")
    async def _goto(ctx: Context, args) -> None:
        results = ctx.memory.search_results
        if not 1 <= args.result <= len(results):
            raise CommandError(f"No search result {args.result} (/search first)")
        account, record = results[args.result - 1]
        line = await account.chat.reveal(record)
        if line is None:
            raise CommandError("That message is no longer in the history")
