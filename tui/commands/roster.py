"""Roster, subscription and presence commands.

/roster [show|add|remove|rename|group] ..., /authorize, /deny, and our own
presence: /away, /back, /status, /dnd, /xa.
"""

from __future__ import annotations

from ..core.windows import WindowKind
from ..xmpp.account.presence import OWN_SHOWS
from ..xmpp.account.roster import RosterError
from .contacts import contact_argument
from .context import Context, account_named
from .parser import split_words
from .registry import Arg, CommandError, Registry

ROSTER_ACTIONS = ("show", "add", "remove", "rename", "group")


def open_roster_window(ctx: Context, account):
    """The account's roster window (Irssi-numbered like any other), focused."""
    several = len(ctx.client.accounts) > 1
    name = f"roster:{account.jid.split('@')[0]}" if several else "roster"
    return ctx.client.windows.open(name, WindowKind.ROSTER, account.jid, "roster", focus=True)


SUBSCRIPTIONS = {"both": "you see each other's presence", "to": "you see their presence, they do not see yours",
                 "from": "they see your presence, you do not see theirs", "none": "neither sees the other's presence"}


def _jid(ctx: Context, args) -> str:
    if not args.jid:
        raise CommandError(f"/roster {args.action} needs a JID (see /help roster)" if args.action == "add"
                           else f"/roster {args.action} needs a contact (see /help roster)")
    return contact_argument(ctx, args.jid)


def describe_contact(account, jid: str) -> list[str]:
    """/whois of a contact: what the roster knows (name, groups, subscription,
    each connected resource's presence)."""
    contact = account.roster.model.get(jid)
    if contact is None:
        return [f"{jid}: not in your roster (/roster add {jid})"]
    lines = [f"{contact.display_name} ({contact.jid})" if contact.name else contact.jid,
             f"  groups: {', '.join(contact.groups) or 'none'}; "
             f"{SUBSCRIPTIONS.get(contact.subscription, contact.subscription)}"
             + (f" {contact.subscription_marker}" if contact.pending_in or contact.pending_out else "")]
    if not contact.resources:
        lines.append("  offline")
    by_weight = sorted(contact.resources.items(), key=lambda item: (-item[1].priority, item[1].rank, item[0]))
    for resource, presence in by_weight:
        lines.append(f"  {resource or '(no resource)'}: {presence.show}"
                     + (f" ({presence.status})" if presence.status else "") + f", priority {presence.priority}")
    return lines


async def _roster(ctx: Context, args) -> None:
    account = account_named(ctx, None)
    action = args.action or "show"
    words = split_words(args.rest or "")
    roster = account.roster
    try:
        if action == "show":
            if args.jid or words:
                raise CommandError("Usage: /roster [show] (or /roster add|remove|rename|group JID ...)")
            open_roster_window(ctx, account)
        elif action == "add":
            jid = _jid(ctx, args)
            name, groups = (words[0], words[1:]) if words else ("", [])
            await roster.add(jid, name, groups)
            ctx.out(f"Added {jid} to the roster and asked to see their presence")
        elif action == "remove":
            jid = _jid(ctx, args)
            if words:
                raise CommandError("Usage: /roster remove JID")
            await roster.remove(jid)
            ctx.out(f"Removed {jid} from the roster")
        elif action == "rename":
            jid = _jid(ctx, args)
            if not words:
                raise CommandError("Usage: /roster rename JID name")
            name = " ".join(words)
            await roster.rename(jid, name)
            ctx.out(f"Renamed {jid} to {name}")
        elif action == "group":
            jid = _jid(ctx, args)
            await roster.set_groups(jid, words)
            ctx.out(f"{jid} is now in " + (", ".join(words) if words else "no group"))
    except RosterError as exc:
        raise CommandError(str(exc)) from None


def _set_presence(ctx: Context, show: str, message: str) -> None:
    for account in ctx.client.accounts:
        account.presence.set(show, message)
    if not len(ctx.client.accounts):
        raise CommandError("No account configured")
    first = next(iter(ctx.client.accounts))
    described = first.presence.describe() or "online"
    offline = [a.jid for a in ctx.client.accounts if not a.session.online]
    line = f"Your presence: {described}"
    if offline:
        line += f" (sent when {', '.join(offline)} connects)"
    ctx.out(line)


def register(registry: Registry) -> None:
    cmd = registry.command

    cmd("roster",
        args=(Arg("action", required=False, choices=ROSTER_ACTIONS),
              Arg("jid", required=False, metavar="contact", completer="jid"),
              Arg("rest", required=False, rest=True, metavar="name|group…")),
        summary="Open the roster window, or add/remove/rename/group a contact", group="roster",
        description="Without arguments, opens the roster window (Alt+N like any window; F3 toggles "
                    "the roster side pane). add JID [name] [group…] adds the contact, asks to see its "
                    "presence and lets it see yours once it asks. remove JID drops it and both "
                    "subscriptions. rename JID name sets the name shown. group JID group… replaces its "
                    "groups (none: no group). Names and groups with spaces go in double quotes. "
                    "In the roster: type to filter, Up/Down to move, Enter opens a chat (or folds "
                    "a group), Left/Right fold/unfold, Escape clears the filter then returns to the "
                    "input line, / starts a command. Where a JID is asked for an existing contact, its "
                    "roster name or a unique local part does as well (Tab completes them).",
        examples=("/roster", "/roster add dave@example.org Dave Friends",
                  '/roster add erin@example.org "Erin K" "Work mates"',
                  "/roster rename dave@example.org David", "/roster group David Friends Climbing",
                  "/roster remove dave@example.org"))(_roster)

    @cmd("authorize", aliases=("auth",), args=(Arg("jid", metavar="contact", completer="jid"),),
         summary="Let a contact see your presence (and ask to see theirs)", group="roster",
         description="Answers a subscription request. When you do not see the contact's presence "
                     "yet, also asks to (like Gajim).",
         examples=("/authorize erin@example.org",))
    def _authorize(ctx: Context, args) -> None:
        jid = contact_argument(ctx, args.jid)
        try:
            account_named(ctx, None).roster.authorize(jid)
        except RosterError as exc:
            raise CommandError(str(exc)) from None
        ctx.out(f"{jid} may now see your presence")

    @cmd("deny", args=(Arg("jid", metavar="contact", completer="jid"),),
         summary="Refuse (or revoke) a contact's subscription to your presence", group="roster",
         examples=("/deny erin@example.org",))
    def _deny(ctx: Context, args) -> None:
        jid = contact_argument(ctx, args.jid)
        try:
            account_named(ctx, None).roster.deny(jid)
        except RosterError as exc:
            raise CommandError(str(exc)) from None
        ctx.out(f"{jid} may not see your presence")

    # -- our presence (every account, like Gajim's global status) ------------------
    message = Arg("message", required=False, rest=True)

    @cmd("away", args=(message,), summary="Set yourself away with a message (without one: back)",
         group="presence",
         description="As in Irssi: /away with a message marks you away; /away alone brings you back "
                     "(online, no status message). Applies to every account and survives reconnections.",
         examples=("/away lunch", "/away"))
    def _away(ctx: Context, args) -> None:
        if args.message:
            _set_presence(ctx, "away", args.message)
        else:
            _set_presence(ctx, "online", "")

    @cmd("back", summary="Online again (clears away/xa/dnd and the status message)", group="presence")
    def _back(ctx: Context, args) -> None:
        _set_presence(ctx, "online", "")

    @cmd("status", args=(Arg("show", choices=OWN_SHOWS), message),
         summary="Set your presence and status message", group="presence",
         examples=("/status online", "/status dnd in a meeting", "/status chat"))
    def _status(ctx: Context, args) -> None:
        _set_presence(ctx, args.show, args.message or "")

    @cmd("dnd", args=(message,), summary="Do not disturb", group="presence",
         examples=("/dnd", "/dnd writing"))
    def _dnd(ctx: Context, args) -> None:
        _set_presence(ctx, "dnd", args.message or "")

    @cmd("xa", args=(message,), summary="Extended away", group="presence",
         examples=("/xa", "/xa on holiday"))
    def _xa(ctx: Context, args) -> None:
        _set_presence(ctx, "xa", args.message or "")
