"""/otr: Off-the-Record (v2) in a 1:1 chat window (tui/crypto/otr)."""

from __future__ import annotations

import shlex

from ..core.windows import WindowKind
from ..logging_setup import add_secret
from ..xmpp.conversation.encryption import EncryptionError
from ..xmpp.conversation.protocol import ConversationError
from .context import Context, account_named
from .registry import Arg, CommandError, Registry

CHAT = frozenset({WindowKind.CHAT})
OTR_ACTIONS = ("start", "end", "refresh", "fpr", "trust", "untrust", "smp")
SMP_USAGE = "Usage: /otr smp QUESTION SECRET | /otr smp SECRET | /otr smp answer SECRET | /otr smp abort"


def _pretty(fpr: str) -> str:
    from ..crypto.otr.scheme import pretty_fingerprint

    return pretty_fingerprint(fpr)


def _target(ctx: Context):
    """(the account's OTR scheme, the conversation, the contact's JID)."""
    account = account_named(ctx, None)
    conversation = ctx.client.conversation_for(ctx.window)
    if conversation is None or not ctx.window.target:
        raise CommandError("This window has no conversation")
    scheme = account.encryption.instance("otr")
    if scheme is None:
        raise CommandError("OTR is not available")
    try:
        scheme.load()  # python-potr present? else one line saying how to install it
    except EncryptionError as exc:
        raise CommandError(str(exc)) from None
    return scheme, conversation, conversation.jid


def _smp_words(rest: str) -> list[str]:
    try:
        return shlex.split(rest)
    except ValueError:
        return rest.split()


async def _otr(ctx: Context, args) -> None:
    action, rest = args.action, (args.rest or "").strip()
    if action is None:
        raise CommandError("Usage: /otr start|end|refresh|fpr|trust|untrust|smp … (/help otr)")
    if action == "smp":  # the secret must never reach a log, whatever happens next
        words = _smp_words(rest)
        if words and words != ["abort"] and words != ["answer"]:
            add_secret(words[-1])
    scheme, conversation, jid = _target(ctx)
    try:
        if action in ("start", "refresh"):
            if action == "start" and scheme.encrypted(jid):
                conversation.use_encryption("otr")
                ctx.out(f"Already in an OTR session with {jid} (/otr refresh for new keys)")
                return
            conversation.use_encryption("otr")
            await scheme.start(jid)
            ctx.out(f"Starting an OTR session with {jid}…" if action == "start"
                    else f"Refreshing the OTR session with {jid}…")
        elif action == "end":
            ended = await scheme.end(jid)
            # what waited for the session does not slip out in clear now
            account_named(ctx, None).chat.give_up_held(jid, "the OTR session was given up before it was sent")
            conversation.use_encryption(None)
            ctx.out(("OTR session ended" if ended else "No OTR session") +
                    f": what you send to {jid} now goes in clear")
        elif action == "fpr":
            ours, theirs, trust = await scheme.fingerprints(jid)
            ctx.out(f"Your OTR fingerprint: {_pretty(ours)}")
            if theirs is None:
                ctx.out(f"{jid}: no OTR session yet (/otr start)")
            else:
                how = {"smp": "verified by SMP", "verified": "verified by you"}.get(trust or "", "NOT verified")
                ctx.out(f"{jid}'s OTR fingerprint: {_pretty(theirs)} ({how})")
        elif action in ("trust", "untrust"):
            fpr = await scheme.trust(jid, action == "trust")
            ctx.out(f"{jid}'s OTR fingerprint {_pretty(fpr)} is " +
                    ("now trusted (verified)" if action == "trust" else "no longer trusted"))
        elif action == "smp":
            await _smp(ctx, scheme, jid, rest)
    except (EncryptionError, ConversationError) as exc:
        raise CommandError(str(exc)) from None


async def _smp(ctx: Context, scheme, jid: str, rest: str) -> None:
    words = _smp_words(rest)
    if words == ["abort"]:
        await scheme.smp_abort(jid)
        ctx.out(f"SMP with {jid} aborted")
        return
    if words[:1] == ["answer"]:
        if len(words) != 2:
            raise CommandError(SMP_USAGE)
        if not scheme.smp_asked(jid):
            raise CommandError(f"{jid} has not asked to verify you (SMP)")
        await scheme.smp(jid, words[1])
        ctx.out(f"SMP: answer sent to {jid}")
        return
    if len(words) == 1:
        answering = scheme.smp_asked(jid)
        await scheme.smp(jid, words[0])
        ctx.out(f"SMP: answer sent to {jid}" if answering
                else f"SMP: asked {jid} to prove they know the shared secret")
        return
    if len(words) == 2:
        await scheme.smp(jid, words[1], question=words[0])
        ctx.out(f"SMP: asked {jid} {words[0]!r}")
        return
    raise CommandError(SMP_USAGE + " (quote a question of several words)")


def register(registry: Registry) -> None:
    registry.command(
        "otr",
        args=(Arg("action", required=False, choices=OTR_ACTIONS),
              Arg("rest", required=False, rest=True, metavar="[QUESTION] SECRET")),
        windows=CHAT, group="chat",
        summary="Off-the-Record (OTR v2) encryption of this conversation",
        description="start: begin an OTR session (what you type meanwhile waits, never goes in clear).\n"
                    "end: end it (the contact is told); what you send goes in clear again.\n"
                    "refresh: new session keys.\n"
                    "fpr: your fingerprint and the contact's (compare them over another channel).\n"
                    "trust / untrust: mark the contact's fingerprint verified (or not) by hand.\n"
                    "smp QUESTION SECRET: ask the contact a question whose answer only they know "
                    "(quote a question of several words); smp SECRET: a secret you share; "
                    "smp answer SECRET: answer theirs; smp abort: stop. A match verifies the key.\n"
                    "The window bar shows OTR unverified / OTR verified / OTR finished by peer. "
                    "Policy per account: otr_policy = manual | opportunistic | always.",
        examples=("/otr start", "/otr fpr", "/otr smp \"our first concert?\" Zappa", "/otr smp answer Zappa",
                  "/otr end"),
    )(_otr)
