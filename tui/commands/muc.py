"""Room commands (XEP-0045): /join, /part, /cycle, /nick, /topic, /names,
/invite, /accept, /list, /whois (an occupant, or a contact); and the room
side of /close (declared in builtin.py, calls in here for a room window).
/msg and /query reach a nick of the room first (contacts.recipient)."""

from __future__ import annotations

from ..core.jids import local_part
from ..core.windows import Window, WindowKind
from ..xmpp.muc.errors import MucError
from .contacts import contact_argument, parse_jid, recipient
from .context import Context, account_named
from .roster import describe_contact
from .registry import Arg, CommandError, Registry

ROOM = frozenset({WindowKind.ROOM})
ROLE_TITLES = {"moderator": "Moderators", "participant": "Participants", "visitor": "Visitors",
               "none": "Others"}


def _room(ctx: Context, window: Window | None = None):
    """(account, room JID, Room model) of a room window."""
    window = window or ctx.window
    account = account_named(ctx, None)
    room_jid = window.room_jid
    if room_jid is None:
        raise CommandError("This is not a room window")
    return account, room_jid, account.muc.rooms.get(room_jid)


def _joined(ctx: Context):
    account, jid, room = _room(ctx)
    if room is None or not room.joined:
        raise CommandError(f"You are not in {jid} (/join {local_part(jid)})")
    return account, jid, room


async def _guard(coroutine):
    """MucError is a user-facing line: make it a CommandError."""
    try:
        return await coroutine
    except MucError as exc:
        raise CommandError(str(exc)) from None


# -- the room side of shared commands --------------------------------------------------
async def leave_window(ctx: Context, window: Window) -> None:
    """/close of a room window: leave the room first."""
    account, jid, _room_model = _room(ctx, window)
    await account.muc.leave(jid)


def register(registry: Registry) -> None:
    cmd = registry.command

    @cmd("join", aliases=("j",),
         args=(Arg("room", help="room, room@service, room/nick or xmpp:room@service?join"),
               Arg("password", required=False)),
         group="rooms", summary="Join a room (opens its window)",
         description="The service defaults to the account's muc_service setting, else the one your "
                     "server announces; the nick to the account's nick setting, else your JID's local "
                     "part. A nick in use is retried with a trailing _. Joining a room that does not "
                     "exist creates it (when the service allows it) with the default configuration.",
         examples=("/join lounge", "/join lounge@conference.example.org/bob", "/j secret hunter2",
                   "/join xmpp:lounge@conference.example.org?join"))
    async def _join(ctx: Context, args) -> None:
        account = account_named(ctx, None)
        room_jid, nick = await _guard(account.muc.resolve(args.room))
        parse_jid(f"{room_jid}/{nick}" if nick else room_jid)  # RFC 7622, before a window opens
        await _guard(account.muc.join(room_jid, nick, args.password, focus=True))

    @cmd("part", args=(Arg("message", required=False, rest=True),), windows=ROOM, group="rooms",
         summary="Leave this room (the window stays; /join comes back)", examples=("/part", "/part bye all"))
    async def _part(ctx: Context, args) -> None:
        account, jid, room = _room(ctx)
        if room is None or not room.joined:
            raise CommandError(f"You are not in {jid}")
        await account.muc.leave(jid, args.message or "")

    @cmd("cycle", args=(Arg("message", required=False, rest=True),), windows=ROOM, group="rooms",
         summary="Leave this room and join it again")
    async def _cycle(ctx: Context, args) -> None:
        account, jid, _room_model = _room(ctx)
        await _guard(account.muc.cycle(jid, args.message or ""))

    @cmd("nick", args=(Arg("nick"),), windows=ROOM, group="rooms",
         summary="Change your nick in this room", examples=("/nick bob",))
    def _nick(ctx: Context, args) -> None:
        account, jid, _room_model = _joined(ctx)
        try:
            account.muc.change_nick(jid, args.nick)
        except MucError as exc:
            raise CommandError(str(exc)) from None

    @cmd("topic", aliases=("t",), args=(Arg("text", required=False, rest=True),), windows=ROOM,
         group="rooms", summary="Show this room's topic, or set it", examples=("/topic", "/topic release day"))
    def _topic(ctx: Context, args) -> None:
        account, jid, room = _joined(ctx)
        if not args.text:
            if room.topic:
                ctx.out(f"Topic of {jid}: {room.topic}" + (f" (set by {room.topic_by})" if room.topic_by else ""))
            else:
                ctx.out(f"{jid} has no topic")
            return
        try:
            account.muc.set_topic(jid, args.text)
        except MucError as exc:
            raise CommandError(str(exc)) from None

    @cmd("names", aliases=("n",), windows=ROOM, group="rooms",
         summary="List the occupants of this room, by role")
    def _names(ctx: Context, args) -> None:
        _account, jid, room = _joined(ctx)
        ctx.out(f"{len(room.occupants)} in {jid}:")
        for role, people in room.by_role():
            ctx.out(f"  {ROLE_TITLES.get(role, role)} ({len(people)}): " + " ".join(o.nick for o in people))

    @cmd("invite", args=(Arg("contact", completer="jid"), Arg("reason", required=False, rest=True)),
         windows=ROOM, group="rooms", summary="Invite someone to this room (through the room)",
         description="CONTACT: a roster name, a unique local part or a JID (as for /msg).",
         examples=("/invite bob come and see", "/invite bob@example.org come and see"))
    def _invite(ctx: Context, args) -> None:
        account, jid, _room_model = _joined(ctx)
        invitee = contact_argument(ctx, args.contact)
        try:
            account.muc.invite(jid, invitee, args.reason or "")
        except MucError as exc:
            raise CommandError(str(exc)) from None
        ctx.out(f"Invited {invitee} to {jid}")

    @cmd("accept", args=(Arg("room", required=False),), group="rooms",
         summary="Join the room of the last invitation (or of the one to ROOM)")
    async def _accept(ctx: Context, args) -> None:
        account = account_named(ctx, None)
        await _guard(account.muc.accept(args.room.lower() if args.room else None))

    @cmd("list", args=(Arg("service", required=False),), group="rooms",
         summary="List the rooms of a service (yours by default) with their occupant counts")
    async def _list(ctx: Context, args) -> None:
        account = account_named(ctx, None)
        try:
            rooms = await _guard(account.muc.list(args.service))
        except CommandError:
            raise
        except Exception as exc:  # IqError/IqTimeout from the service itself
            raise CommandError(f"Cannot list rooms: {exc}") from None
        ctx.out(f"{len(rooms)} room{'s' if len(rooms) != 1 else ''}" + (":" if rooms else ""))
        for listing in sorted(rooms, key=lambda r: (-(r.occupants or 0), r.jid)):
            count = "?" if listing.occupants is None else str(listing.occupants)
            name = f"  {listing.name}" if listing.name and listing.name != local_part(listing.jid) else ""
            ctx.out(f"  {count:>4}  {listing.jid}{name}")

    @cmd("whois", aliases=("wi",), args=(Arg("who", metavar="nick|contact", completer="recipient"),),
         group="rooms",
         summary="An occupant's role, affiliation, real JID and client; or a contact's presence",
         description="In a room window a nick of the room comes first; otherwise (or elsewhere) a "
                     "contact: a roster name, a unique local part or a JID — its name, groups, "
                     "subscription and each connected resource's presence.",
         examples=("/whois bob", "/wi bob@example.org"))
    async def _whois(ctx: Context, args) -> None:
        target = recipient(ctx, args.who)
        room_jid, slash, nick = target.partition("/")
        if slash and room_jid == ctx.window.room_jid:
            account, jid, _room_model = _joined(ctx)
            lines = await _guard(account.muc.whois(jid, nick))
        else:
            lines = describe_contact(account_named(ctx, None), target)
        for line in lines:
            ctx.out(line)
