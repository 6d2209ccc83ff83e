"""/pgp: OpenPGP (XEP-0027) — our key, contacts' keys, and encrypting a conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ..crypto.pgp import NAME, spaced
from ..xmpp.conversation.protocol import ConversationError
from .contacts import contact_argument
from .context import Context, chat_peer, end_scheme, scheme_named, start_scheme
from .registry import Arg, CommandError, Registry

if TYPE_CHECKING:  # the scheme itself loads when first used, not with the commands
    from ..crypto.pgp.scheme import PgpScheme

ACTIONS = ("setkey", "contactkey", "start", "end", "fpr", "keys")
NEEDS_CHAT = ("start", "end")


def _scheme(ctx: Context) -> tuple[object, PgpScheme]:
    account, scheme = scheme_named(ctx, NAME, "OpenPGP")
    return account, cast("PgpScheme", scheme)


def _peer(ctx: Context) -> str:
    return chat_peer(ctx, "/pgp")


def register(registry: Registry) -> None:
    @registry.command(
        "pgp",
        args=(Arg("action", choices=ACTIONS),
              Arg("first", required=False, metavar="CONTACT|KEYID", completer="jid"),
              Arg("second", required=False, metavar="KEYID")),
        group="crypto",
        summary="OpenPGP (XEP-0027): your key, contacts' keys, encrypt this conversation",
        description="/pgp setkey KEYID chooses your secret key (key id or full fingerprint, from the "
                    "account's gnupg_home); your presence is then signed with it. /pgp contactkey JID "
                    "KEYID chooses the key you encrypt to for JID (a contact's signed presence also "
                    "teaches it, when the key is in your keyring). In a conversation: /pgp start "
                    "encrypts what you send (to their key and yours; never sent in clear if it cannot "
                    "be), /pgp end goes back to clear text. /pgp fpr shows the fingerprints in use, "
                    "/pgp keys the keyring.",
        examples=("/pgp setkey 0x1234ABCD5678EF90", "/pgp contactkey bob@example.org 0xABCDEF0123456789",
                  "/pgp start", "/pgp end", "/pgp fpr", "/pgp keys"))
    async def _pgp(ctx: Context, args) -> None:
        try:
            await ACTION_HANDLERS[args.action](ctx, args)
        except ConversationError as exc:  # PgpError, OxError are ones
            raise CommandError(str(exc)) from None


async def _setkey(ctx: Context, args) -> None:
    if not args.first or args.second:
        raise CommandError("Usage: /pgp setkey KEYID")
    account, scheme = _scheme(ctx)
    key = await scheme.set_own_key(args.first)
    ctx.out(f"Your OpenPGP key: {key.describe()}; your presence is signed with it")
    presence = account.presence  # type: ignore[attr-defined]
    presence.set(presence.show, presence.message)  # announce it signed now


async def _contactkey(ctx: Context, args) -> None:
    if not args.first or not args.second:
        raise CommandError("Usage: /pgp contactkey CONTACT KEYID")
    jid = contact_argument(ctx, args.first)
    _, scheme = _scheme(ctx)
    key = await scheme.set_contact_key(jid, args.second)
    ctx.out(f"OpenPGP key for {jid}: {key.describe()}")


async def _start(ctx: Context, args) -> None:
    peer = _peer(ctx)
    _, scheme = _scheme(ctx)
    theirs, _ours = await scheme.usable_keys(peer)
    start_scheme(ctx, NAME)
    ctx.out(f"What you send to {peer} is encrypted with OpenPGP (XEP-0027) to {spaced(theirs.fingerprint)}")


async def _end(ctx: Context, args) -> None:
    end_scheme(ctx, NAME, "OpenPGP", _peer(ctx))


async def _fpr(ctx: Context, args) -> None:
    _, scheme = _scheme(ctx)
    own = scheme.keys.own
    ctx.out(f"Your OpenPGP key: {spaced(own) if own else 'none (/pgp setkey KEYID)'}")
    jid = contact_argument(ctx, args.first) if args.first else ctx.window.peer_jid
    if jid:
        known = scheme.keys.contact(jid)
        how = "" if known is None or known.source != "presence" else " (learned from a signed presence)"
        ctx.out(f"{jid}: {spaced(known.fingerprint) + how if known else 'no key (/pgp contactkey JID KEYID)'}")


async def _keys(ctx: Context, args) -> None:
    _, scheme = _scheme(ctx)
    public = await scheme.gpg.keys()
    users = {key.fingerprint: jid for jid, key in scheme.keys.contacts.items()}
    ctx.out(f"OpenPGP keys in the keyring ({len(public)}):")
    for key in public:
        marks = [m for m in (
            "yours" if key.fingerprint == scheme.keys.own else "",
            f"for {users[key.fingerprint]}" if key.fingerprint in users else "",
            key.problem or "") if m]
        ctx.out(f"  {key.describe()}{' [' + ', '.join(marks) + ']' if marks else ''}")


ACTION_HANDLERS = {"setkey": _setkey, "contactkey": _contactkey, "start": _start, "end": _end,
                   "fpr": _fpr, "keys": _keys}
