"""Room moderation commands (XEP-0045 admin and owner use cases): /kick,
/ban, /role, /affiliation, /configure. Room windows only; the room says
whether we may (a refusal is one line)."""

from __future__ import annotations

from ..core.room import AFFILIATIONS, ROLES
from ..text import sanitize_line
from ..xmpp.muc.admin import MucAdmin
from ..xmpp.muc.errors import MucError
from .contacts import contact_argument
from .context import Context
from .muc import ROOM, _joined
from .registry import Arg, CommandError, Registry


def _admin(ctx: Context) -> tuple[MucAdmin, str]:
    account, jid, _room = _joined(ctx)
    return MucAdmin(account.session, account.muc.rooms), jid


def _someone(ctx: Context, target: str) -> str:
    """/ban's and /affiliation's target: a nick of the room as typed, else a
    contact (a JID, checked before anything is asked of the room, or a name)."""
    _account, _jid, room = _joined(ctx)
    if room is not None and room.get(target) is not None:
        return target
    return contact_argument(ctx, target)


async def _guard(coroutine):
    try:
        return await coroutine
    except MucError as exc:
        raise CommandError(str(exc)) from None


def register(registry: Registry) -> None:
    cmd = registry.command

    @cmd("kick", aliases=("k",), args=(Arg("nick", completer="nick"), Arg("reason", required=False, rest=True)),
         windows=ROOM, group="rooms", summary="Kick an occupant out of this room (moderators)",
         examples=("/kick bob", "/kick bob flooding"))
    async def _kick(ctx: Context, args) -> None:
        admin, jid = _admin(ctx)
        await _guard(admin.kick(jid, args.nick, args.reason or ""))
        ctx.out(f"Kicked {sanitize_line(args.nick)} from {jid}")

    @cmd("ban", args=(Arg("target", completer="nick", metavar="nick|jid",
                          help="an occupant (its real JID must be visible) or a JID"),
                      Arg("reason", required=False, rest=True)),
         windows=ROOM, group="rooms", summary="Ban someone from this room (admins)",
         examples=("/ban bob", "/ban spammer@example.org spam"))
    async def _ban(ctx: Context, args) -> None:
        admin, jid = _admin(ctx)
        banned = await _guard(admin.ban(jid, _someone(ctx, args.target), args.reason or ""))
        ctx.out(f"Banned {banned} from {jid}")

    @cmd("role", args=(Arg("nick", completer="nick"), Arg("role", choices=ROLES),
                       Arg("reason", required=False, rest=True)),
         windows=ROOM, group="rooms", summary="Change an occupant's role (none kicks)",
         description="moderator may kick and give voice; participant may speak; visitor may only "
                     "read (in a moderated room); none removes the occupant from the room.",
         examples=("/role carol visitor", "/role bob moderator"))
    async def _role(ctx: Context, args) -> None:
        admin, jid = _admin(ctx)
        await _guard(admin.set_role(jid, args.nick, args.role, args.reason or ""))
        ctx.out(f"{sanitize_line(args.nick)} is now {args.role} in {jid}")

    @cmd("affiliation", aliases=("aff",),
         args=(Arg("target", completer="nick", metavar="jid|nick"), Arg("affiliation", choices=AFFILIATIONS),
               Arg("reason", required=False, rest=True)),
         windows=ROOM, group="rooms", summary="Change someone's long-term affiliation with this room",
         description="owner, admin, member, outcast (banned) or none. An occupant's nick works "
                     "when the room shows its real JID.",
         examples=("/affiliation bob@example.org member", "/aff carol admin"))
    async def _affiliation(ctx: Context, args) -> None:
        admin, jid = _admin(ctx)
        changed = await _guard(admin.set_affiliation(jid, _someone(ctx, args.target), args.affiliation,
                                                     args.reason or ""))
        ctx.out(f"{changed} is now {args.affiliation} of {jid}")

    @cmd("configure", windows=ROOM, group="rooms",
         summary="Edit this room's configuration (owners): its form opens; Ctrl+S saves, Esc cancels")
    async def _configure(ctx: Context, args) -> None:
        admin, jid = _admin(ctx)
        if ctx.client.ui is None:
            raise CommandError("/configure needs the full-screen interface")
        form = await _guard(admin.config_form(jid))
        filled = await ctx.client.ui.edit_form(form, f"Configuration of {jid}")
        if filled is None:
            await admin.cancel_config(jid)
            ctx.out(f"Configuration of {jid} cancelled")
            return
        await _guard(admin.submit_config(jid, filled))
        ctx.out(f"Room configuration of {jid} saved")
