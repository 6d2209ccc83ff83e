"""/ox: OpenPGP for XMPP (XEP-0373/0374) — announce our key, discover a
contact's, encrypt a conversation. The keyring is the account's OpenPGP
one (gnupg_home), as for /pgp."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ..crypto.ox import NAME
from ..crypto.pgp import spaced
from ..xmpp.conversation.protocol import ConversationError
from .contacts import contact_argument
from .context import Context, chat_peer, end_scheme, scheme_named, start_scheme
from .registry import Arg, CommandError, Registry

if TYPE_CHECKING:  # the scheme itself loads when first used, not with the commands
    from ..crypto.ox.scheme import OxScheme

ACTIONS = ("start", "end", "announce", "discover", "fpr")


def _scheme(ctx: Context) -> OxScheme:
    return cast("OxScheme", scheme_named(ctx, NAME, "OX")[1])


def _peer(ctx: Context) -> str:
    return chat_peer(ctx, "/ox")


def register(registry: Registry) -> None:
    @registry.command(
        "ox",
        args=(Arg("action", choices=ACTIONS),
              Arg("target", required=False, metavar="JID|KEYID", completer="jid")),
        group="crypto",
        summary="OX, OpenPGP for XMPP (XEP-0373): announce your key, discover a contact's, encrypt",
        description="/ox announce publishes your OpenPGP key in your account (PEP), so contacts' "
                    "clients find it: the secret key of the account's keyring (gnupg_home) with the "
                    "user id xmpp:YOUR-JID, or the one KEYID names. /ox discover JID reads, checks and "
                    "imports the keys JID announces, and encrypts to them from then on (a change of "
                    "their keys is never taken silently: it is said, and this command accepts it). "
                    "In a conversation: /ox start signs and encrypts what you send (to their keys "
                    "and yours; never sent in clear if it cannot be), /ox end goes back to clear "
                    "text. /ox fpr shows the keys in use.",
        examples=("/ox announce", "/ox announce 0x1234ABCD5678EF90", "/ox discover bob@example.org",
                  "/ox start", "/ox end", "/ox fpr"))
    async def _ox(ctx: Context, args) -> None:
        try:
            await ACTION_HANDLERS[args.action](ctx, args)
        except ConversationError as exc:  # PgpError, OxError are ones
            raise CommandError(str(exc)) from None


async def _announce(ctx: Context, args) -> None:
    scheme = _scheme(ctx)
    key, listed = await scheme.announce(args.target)
    others = [f for f in listed if f != key.fingerprint]
    ctx.out(f"Your OX key is announced: {key.describe()}"
            + (f" (also listed: {', '.join(spaced(f) for f in others)})" if others else ""))


async def _discover(ctx: Context, args) -> None:
    jid = contact_argument(ctx, args.target) if args.target else ctx.window.peer_jid
    if not jid:
        raise CommandError("Usage: /ox discover JID")
    scheme = _scheme(ctx)
    found, before = await scheme.discover(jid)
    listed = ", ".join(spaced(f) for f in found)
    if before and sorted(before) != sorted(found):
        ctx.client.error(f"WARNING: {jid}'s OX keys CHANGED: now {listed}; before "
                  f"{', '.join(spaced(f) for f in before)}. What you send to {jid} is encrypted to the new ones", ctx.window)
    else:
        ctx.out(f"OX keys of {jid}: {listed}")


async def _start(ctx: Context, args) -> None:
    peer = _peer(ctx)
    scheme = _scheme(ctx)
    theirs, _own = await scheme.usable_keys(peer)
    start_scheme(ctx, NAME)
    ctx.out(f"What you send to {peer} is signed and encrypted with OX to "
            f"{', '.join(spaced(k.fingerprint) for k in theirs)}")


async def _end(ctx: Context, args) -> None:
    end_scheme(ctx, NAME, "OX", _peer(ctx))


async def _fpr(ctx: Context, args) -> None:
    scheme = _scheme(ctx)
    own = scheme.keys.own
    ctx.out(f"Your OX key: {spaced(own) if own else 'none yet (/ox announce)'}")
    jid = contact_argument(ctx, args.target) if args.target else ctx.window.peer_jid
    if jid:
        known = scheme.keys.contact(jid)
        ctx.out(f"{jid}: " + (", ".join(spaced(f) for f in known.fingerprints) if known
                              else f"no OX key known (/ox discover {jid})"))


ACTION_HANDLERS = {"start": _start, "end": _end, "announce": _announce, "discover": _discover, "fpr": _fpr}
