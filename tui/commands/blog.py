"""Microblog commands (XEP-0277): /blog and its actions.

The account's blog window lists the entries its model knows (ours and our
contacts'), numbered: the actions that take N mean the entry numbered N in
that window (see :mod:`tui.core.blog_lines`).
"""

from __future__ import annotations

import asyncio
import logging

from ..core.blog import Entry
from ..core.blog_lines import BlogView, split_post
from ..store.drafts import NEW_POST, Composition, Draft, DraftFile, comment_key, drafts_path, edit_key
from ..xmpp.blog.items import BlogError
from .contacts import contact_argument
from .context import Context, account_named
from .registry import Arg, CommandError, Registry

log = logging.getLogger(__name__)

BLOG_ACTIONS = ("read", "more", "post", "edit", "delete", "show", "comment", "tag", "search")


def _action_or_jid(text: str) -> str:
    """``/blog CONTACT`` is ``/blog read CONTACT``: the action argument takes
    a contact too (a JID, a roster name, a unique local part: resolved when read)."""
    if not text.strip():
        raise ValueError(text)
    return text.strip()


def _window_name(ctx: Context, account) -> str:
    several = len(ctx.client.accounts) > 1
    return f"blog:{account.jid.split('@')[0]}" if several else "blog"


def open_blog_window(ctx: Context, account) -> BlogView:
    return ctx.client.blog_windows.open(account.jid, _window_name(ctx, account))


def _number_and_text(action: str, rest: str, *, text: bool) -> tuple[int, str]:
    words = rest.strip().split(None, 1)
    usage = f"Usage: /blog {action} N" + (" TEXT" if text else "")
    if not words or not words[0].lstrip("#").isdigit():
        raise CommandError(usage)
    given = words[1].strip() if len(words) > 1 else ""
    if text and not given or given and not text:
        raise CommandError(usage)
    return int(words[0].lstrip("#")), given


def _entry(ctx: Context, account, number: int) -> tuple[BlogView, Entry]:
    view = ctx.client.blog_windows.view(account.jid)
    entry = view.entry(account.blog.model, number) if view is not None else None
    if view is None or entry is None:
        raise CommandError(f"No entry #{number} in this window")
    return view, entry


async def _blog(ctx: Context, args) -> None:
    account = account_named(ctx, None)
    action, rest = args.action, args.rest or ""
    blog = account.blog
    if action is None:
        if rest.strip():
            raise CommandError("Usage: /blog [CONTACT|read CONTACT|more|tag TAG|search WORDS|post TEXT|edit N TEXT|"
                               "delete N|show N|comment N TEXT]")
        _timeline(ctx, account)
        return
    if action not in BLOG_ACTIONS:  # a contact: /blog CONTACT
        action, rest = "read", action
    if action in ("read", "more"):
        await _read_blog(ctx, account, action, rest)
    elif action in ("tag", "search"):
        await _narrow(ctx, account, action, rest)
    elif action == "post":
        await _post(ctx, account, rest)
    elif action == "edit":
        await _edit(ctx, account, rest)
    elif action == "delete":
        await _delete(ctx, account, rest)
    elif action == "show":
        number, _ = _number_and_text(action, rest, text=False)
        view, entry = _entry(ctx, account, number)
        view.open(entry)  # and read: no longer unread
        view = open_blog_window(ctx, account)
        if entry.comments is not None:
            await blog.comments.read(entry)
    elif action == "comment":
        await _comment(ctx, account, rest)


# -- writing: the composer, drafts, our entries and comments ------------------------------------
# An entry is named by its pubsub item id (what the blog pane sends) or by its
# number #N in the blog window (what a user types).
def _label(entry: Entry) -> str:
    text = entry.title or (entry.body.splitlines() or [""])[0]
    return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"


def _find_entry(ctx: Context, account, ref: str) -> tuple[Entry, str]:
    """(entry, how to name it) for an item id (ours first) or a number; a
    CommandError when neither."""
    model = account.blog.model
    entry = model.entry(account.jid, ref)
    if entry is None:
        entry = next((e for feed in model.feeds() if (e := feed.get(ref)) is not None), None)
    if entry is not None:
        return entry, _label(entry)
    if ref.lstrip("#").isdigit():
        number = int(ref.lstrip("#"))
        return _entry(ctx, account, number)[1], f"#{number}"
    raise CommandError(f"No entry {ref} (give its number in the blog window, or its id)")


def _find_comment(account, ref: str) -> tuple[Entry, Entry] | None:
    """(entry, comment) for a comment id among the threads read so far."""
    model = account.blog.model
    for feed in model.feeds():
        for entry in feed.newest_first():
            thread = model.comments(entry.comments)
            comment = thread.get(ref) if thread is not None else None
            if comment is not None:
                return entry, comment
    return None


def _refuse_others(account, label: str, entry: Entry, doing: str) -> None:
    if entry.author != account.jid.lower():
        raise CommandError(f"Entry {label} is {entry.author}'s: you can {doing} only your own entries")


def _known_tags(account, limit: int = 500) -> tuple[str, ...]:
    """Tags already used, for completing: ours first, then our contacts'."""
    model, me = account.blog.model, account.jid.lower()
    own = model.feed(me)
    feeds = ([own] if own is not None else []) + [feed for feed in model.feeds() if feed is not own]
    seen: dict[str, str] = {}
    for feed in feeds:
        for entry in feed.newest_first():
            for tag in entry.categories:
                seen.setdefault(tag.lower(), tag)
                if len(seen) >= limit:
                    return tuple(seen.values())
    return tuple(seen.values())


def _read_own_tags(account) -> asyncio.Task | None:
    """Our own blog's newest page, read while the composer opens (a
    notification brings only the last entry), so that its tags complete; a
    failure only means fewer tags."""
    if not account.session.online:
        return None

    async def read() -> None:
        try:
            await account.blog.read(account.jid)
        except BlogError as exc:
            log.info("%s: own blog not read for tags: %s", account.jid, exc)

    return asyncio.get_running_loop().create_task(read())


async def _compose(ctx: Context, account, key: str, kind: str, heading: str,
                   start: Draft) -> tuple[Draft | None, DraftFile]:
    """Open the composer on the draft kept under ``key`` (else ``start``),
    keeping what is typed as it is typed; the draft to publish, or None."""
    ui = ctx.client.ui
    if ui is None:
        raise CommandError(f"/blog {kind} without text needs the composer: give the text on the line")
    path = drafts_path(account.data_dir, account.jid) if account.data_dir is not None else None
    drafts = await DraftFile(path).load()
    kept = drafts.get(key)
    reading = _read_own_tags(account)
    composition = Composition(kind, heading, kept or start, start, restored=kept is not None,
                              tags=lambda: _known_tags(account), keep=lambda draft: drafts.put(key, draft),
                              discard=lambda: drafts.drop(key))
    try:
        result = await ui.compose_blog(composition)
    finally:
        if reading is not None:
            reading.cancel()
        await drafts.flush()
    if drafts.error:
        ctx.client.error(drafts.error, ctx.window)
    return result, drafts


async def _published(drafts: DraftFile, key: str) -> None:
    drafts.drop(key)
    await drafts.flush()


async def _kept_after(drafts: DraftFile, key: str, draft: Draft, exc: BlogError, again: str) -> CommandError:
    drafts.put(key, draft)
    await drafts.flush()
    return CommandError(f"{exc} — the draft is kept: {again} opens it again")


async def _post(ctx: Context, account, rest: str) -> None:
    blog = account.blog
    if rest.strip():  # a one-liner (Alt+Enter for more lines): the first line is the title
        title, body = split_post(rest)
        await blog.publish(body, title=title)
        ctx.out(f"Published \"{title}\" on your blog")
        return
    draft, drafts = await _compose(ctx, account, NEW_POST, "post", "New blog entry", Draft(access=blog.access))
    if draft is None:
        return
    try:
        entry = await blog.publish(draft.body, title=draft.title, categories=draft.tag_list(),
                                   comments=draft.comments, access=draft.access)
    except BlogError as exc:
        raise await _kept_after(drafts, NEW_POST, draft, exc, "/blog post") from None
    await _published(drafts, NEW_POST)
    blog.access = draft.access  # the node is configured so now: later posts must not undo it
    ctx.out(f"Published {_label(entry)} on your blog")


async def _edit(ctx: Context, account, rest: str) -> None:
    words = rest.strip().split(None, 1)
    if not words:
        raise CommandError("Usage: /blog edit ID|N [TEXT]")
    entry, label = _find_entry(ctx, account, words[0])
    _refuse_others(account, label, entry, "edit")
    blog = account.blog
    if len(words) > 1:
        title, body = split_post(words[1])
        await blog.edit(entry.id, body, title=title)
        ctx.out(f"Edited entry {label}")
        return
    start = Draft(title=entry.title, tags=", ".join(entry.categories), body=entry.body,
                  access=blog.access, comments=entry.comments is not None)
    key = edit_key(entry.id)
    draft, drafts = await _compose(ctx, account, key, "edit", f"Editing {label}", start)
    if draft is None:
        return
    try:
        await blog.edit(entry.id, draft.body, title=draft.title, categories=draft.tag_list())
    except BlogError as exc:
        raise await _kept_after(drafts, key, draft, exc, f"/blog edit {entry.id}") from None
    await _published(drafts, key)
    ctx.out(f"Edited entry {label}")


async def _delete(ctx: Context, account, rest: str) -> None:
    """One of our entries, or one of our comments (where the service lets us)."""
    words = rest.split()
    if len(words) != 1:
        raise CommandError("Usage: /blog delete ID|N")
    ref, blog = words[0], account.blog
    if blog.model.entry(account.jid, ref) is None and (found := _find_comment(account, ref)) is not None:
        entry, comment = found
        await blog.comments.delete(entry, comment.id)
        ctx.out(f"Deleted your comment on {_label(entry)}")
        return
    entry, label = _find_entry(ctx, account, ref)
    _refuse_others(account, label, entry, "delete")
    await blog.delete(entry.id)
    ctx.out(f"Deleted entry {label}")


async def _comment(ctx: Context, account, rest: str) -> None:
    words = rest.strip().split(None, 1)
    if not words:
        raise CommandError("Usage: /blog comment ID|N [TEXT]")
    entry, label = _find_entry(ctx, account, words[0])
    comments = account.blog.comments
    if len(words) > 1:
        await comments.post(entry, words[1])
        ctx.out(f"Commented on entry {label}")
        return
    if entry.comments is None:
        raise CommandError(f"Entry {label} takes no comments (it links no comments node)")
    key = comment_key(entry.author, entry.id)
    draft, drafts = await _compose(ctx, account, key, "comment",
                                   f"Comment on {entry.display_name}'s {label}", Draft())
    if draft is None:
        return
    try:
        await comments.post(entry, draft.body)
    except BlogError as exc:
        raise await _kept_after(drafts, key, draft, exc, f"/blog comment {entry.id}") from None
    await _published(drafts, key)
    ctx.out(f"Commented on entry {label}")

def _timeline(ctx: Context, account) -> None:
    """``/blog``: our entries and our contacts' merged, newest first; their
    blogs are read in the background (what the server pushes comes anyway)."""
    view = open_blog_window(ctx, account)
    view.set_filter()
    view.last_read = None
    contacts = [c.jid for c in account.roster.model if c.subscription in ("to", "both")]
    account.blog.read_timeline(contacts)
    ctx.client.blog_windows.refresh(view)


async def _read_blog(ctx: Context, account, action: str, rest: str) -> None:
    """``/blog JID`` (``/blog read JID``): JID's blog in the pane; ``/blog
    more``: older entries of the blog shown (the pane asks for them too when
    scrolled past its end)."""
    view = ctx.client.blog_windows.view(account.jid) or open_blog_window(ctx, account)
    if action == "read":
        if not rest.strip():
            raise CommandError("Usage: /blog CONTACT (or /blog read CONTACT)")
        jid = contact_argument(ctx, rest)
        view.last_read = jid
        view.set_filter(author=jid)
        ctx.client.blog_windows.refresh(view)  # the pane shows that blog while it is read
    elif view.last_read is None:  # the timeline: older entries of every blog in it
        added = await account.blog.older_timeline()
        left = account.blog.model.incomplete()
        ctx.out(f"timeline: {added} older entr{'y' if added == 1 else 'ies'}"
                + (" — /blog more (or scroll past the end) for older ones" if left else ", nothing older left"))
        return
    jid = view.last_read
    feed = await account.blog.read(jid, older=action == "more")
    view = open_blog_window(ctx, account)
    more = "" if feed.complete else " — /blog more (or scroll past the end) for older ones"
    ctx.out(f"{jid}: {len(feed)} entr{'y' if len(feed) == 1 else 'ies'}{more}")


async def _narrow(ctx: Context, account, action: str, rest: str) -> None:
    """``/blog tag TAG``, ``/blog search WORDS``: the entries read so far
    (the timeline, or the blog shown) that carry the tag or hold every word
    — those of earlier sessions too, kept in the history store."""
    words = rest.strip()
    if not words:
        raise CommandError(f"Usage: /blog {action} {'TAG' if action == 'tag' else 'WORDS'}")
    await account.blog.recall(words.lstrip("#"))
    view = ctx.client.blog_windows.view(account.jid) or open_blog_window(ctx, account)
    author = view.author
    if action == "tag":
        view.set_filter(author=author, tag=words.lstrip("#"))
    else:
        view.set_filter(author=author, search=words)
    view = open_blog_window(ctx, account)
    found = len(view.rows(account.blog.model))
    ctx.out(f"{view.describe()}: {found} entr{'y' if found == 1 else 'ies'} (/blog for the whole timeline)")


async def _blog_reporting(ctx: Context, args) -> None:
    try:
        await _blog(ctx, args)
    except BlogError as exc:
        raise CommandError(str(exc)) from None


def register(registry: Registry) -> None:
    registry.command(
        "blog",
        args=(Arg("action", required=False, choices=BLOG_ACTIONS, type=_action_or_jid, metavar="CONTACT"),
              Arg("rest", required=False, rest=True, metavar="CONTACT|N [TEXT]", completer="jid")),
        summary="Your blog timeline or a contact's blog; by tag or words; post, edit, delete, comment",
        group="blog",
        description="Without arguments, opens the account's blog window on your timeline: the entries "
                    "of your blog and of your contacts' blogs, newest first, each numbered #N (the number "
                    "stays while the window is open). New entries of contacts come by themselves.\n"
                    "In the pane: Up/Down (j/k) move, Enter opens, Esc goes back, PgUp/PgDn page, n goes to "
                    "the next unread entry, e/d/c edit, delete, comment.\n"
                    "CONTACT (or read CONTACT) shows a contact's blog (a roster name, a unique local part or a JID); more pages in older entries of it.\n"
                    "tag TAG lists the entries with that tag; search WORDS those holding every word "
                    "(among the entries read so far).\n"
                    "post TEXT publishes: the first line is the title (Alt+Enter for a new line).\n"
                    "edit N TEXT replaces the text of your entry #N; delete N removes it.\n"
                    "post, edit N and comment N without TEXT open the composer: title, tags, a body in light "
                    "markdown (*emphasis*, - lists, [text](url), `code`), who may read it, comments; Ctrl+S "
                    "publishes, Ctrl+X Ctrl+E edits the body in $EDITOR, Esc asks before dropping the draft "
                    "(kept as you type: a quit or a crash loses nothing). N may also be an item id; "
                    "delete ID also deletes your comment with that id.\n"
                    "show N shows entry #N in full with its comments (/blog goes back to the list); "
                    "comment N TEXT comments on it.",
        examples=("/blog", "/blog bob", "/blog bob@example.org", "/blog more", "/blog tag xmpp", "/blog search fosdem", "/blog post Hello world",
                  "/blog show 2", "/blog comment 2 nice!", "/blog edit 3 Hello, world", "/blog delete 3"),
    )(_blog_reporting)
