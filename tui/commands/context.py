"""What a command handler gets, and the helpers handlers share."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.windows import Window, WindowKind
from .parser import Invocation, run_invocation
from .registry import CommandError

if TYPE_CHECKING:
    from ..client import Client

log = logging.getLogger(__name__)


@dataclass
class CommandMemory:
    """What one command leaves for a later one (declared here, not hung on the client)."""
    search_results: list = field(default_factory=list)  # /search → /goto N: (account, record)


@dataclass
class Context:
    client: "Client"
    window: Window

    def out(self, text: str) -> None:
        self.client.info(text, self.window)

    @property
    def memory(self) -> CommandMemory:
        return self.client.command_memory


async def run_command(client: "Client", invocation: Invocation, window: Window) -> None:
    """Run one command; every failure becomes one line, never a traceback."""
    try:
        await run_invocation(client.registry, invocation, Context(client, window), window.kind)
    except CommandError as exc:
        client.error(str(exc), window)
    except Exception as exc:  # a bug in a handler: log it, tell the user briefly
        log.exception("command /%s failed", invocation.name)
        client.error(f"/{invocation.name} failed: {type(exc).__name__} (details in the log)", window)


def account_named(ctx: Context, name: str | None):
    account = ctx.client.accounts.resolve(name, ctx.window)
    if account is None:
        if name:
            raise CommandError(f"No account matches {name!r}")
        raise CommandError("No account configured")
    return account


def accounts_named(ctx: Context, name: str | None) -> list:
    """The account named (a JID or unique prefix), or every account."""
    targets = [account_named(ctx, name)] if name else list(ctx.client.accounts)
    if not targets:
        raise CommandError("No account configured")
    return targets


def scheme_named(ctx: Context, name: str, label: str):
    """(the window's account, its instance of the encryption scheme ``name``)."""
    account = account_named(ctx, None)
    scheme = account.encryption.instance(name)
    if scheme is None:
        raise CommandError(f"{label} is not available in this build")
    return account, scheme


def chat_peer(ctx: Context, command: str) -> str:
    """The contact of the conversation window ``command`` needs."""
    if ctx.window.kind is not WindowKind.CHAT or not ctx.window.peer_jid:
        raise CommandError(f"{command} start and {command} end work in a conversation window (/query JID)")
    return ctx.window.peer_jid


def start_scheme(ctx: Context, name: str) -> None:
    """What this conversation sends goes with the scheme ``name`` from now on
    (the status bar is told by the account's Encryption)."""
    conversation = ctx.client.conversation_for(ctx.window)
    if conversation is None:
        raise CommandError("This window has no conversation")
    conversation.use_encryption(name)


def end_scheme(ctx: Context, name: str, label: str, peer: str) -> None:
    """Back to clear text, if this conversation used ``name`` (``label``: how it is said)."""
    conversation = ctx.client.conversation_for(ctx.window)
    if conversation is None or conversation.encryption != name:
        raise CommandError(f"What you send to {peer} is not encrypted with {label}")
    conversation.use_encryption(None)
    ctx.out(f"What you send to {peer} goes in clear")
