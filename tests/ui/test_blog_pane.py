"""The blog pane in the real app (Pilot) against the real Prosody: bob is a
raw slixmpp peer who publishes Atom entries to his PEP node with xep_0060,
alice reads them in Parlons."""

from __future__ import annotations

from tui.xmpp.blog.xep_0277 import NS_MICROBLOG

from xml.etree import ElementTree as ET

from textual import events

from tests.harness.app import running_app, status_text
from tests.harness.blogs import PEER_PLUGINS, publish_raw
from tests.harness.wait import until
from screens.widgets.blog_pane import BlogPane
from tui.core.blog_lines import headline
from tui.core.windows import Activity, WindowKind
from tui.xmpp.blog.items import entry_from_item
from tui.xmpp.blog.xep_0277 import format_time
from tui.xmpp.blog.xhtml import MAX_TEXT_CHARS
from tui.core.model import now

BOBS_ENTRY = """
<entry xmlns="http://www.w3.org/2005/Atom">
  <id>{item}</id>
  <title>{title}</title>
  <author><name>Bob Builder</name><uri>xmpp:{jid}</uri></author>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Some <b>important</b> news:</p><ul><li>first point</li><li>see <a href="https://example.org/news">the news</a></li></ul></div></content>
  <published>{when}</published>
  <updated>{when}</updated>
  <category term="xmpp"/>
  <category term="news"/>
</entry>"""


def pane_text(app) -> str:
    return app.main.blog_pane.plain


def pane_row(app, words: str) -> str:
    return next((row for row in pane_text(app).splitlines() if words in row), "")


def styled_segments(app, style_check) -> list[str]:
    return [segment.text for strip in app.main.blog_pane._lines for segment in strip
            if segment.style is not None and style_check(segment.style)]


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.focus()
    app.main.input_line.value = text
    await pilot.press("enter")


async def mutual_contacts(app, pilot, account, bob) -> None:
    await bob.xmpp.get_roster()  # bob accepts alice and asks back
    await type_line(app, pilot, f"/roster add {bob.jid} Bob")
    await until(lambda: (c := account.roster.model.get(bob.jid)) and c.subscription == "both", timeout=10)


def entry_xml(bob, item: str, title: str) -> str:
    return BOBS_ENTRY.format(jid=bob.jid, item=item, title=title, when=format_time(now()))


async def test_bobs_blog_lists_title_tags_and_date_and_opens_formatted(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    await publish_raw(bob, entry_xml(bob, "b1", "Release day"), item="b1")
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/blog {bob.jid}")
        await until(lambda: app.client.windows.active.kind is WindowKind.BLOG, timeout=5)
        row = await until(lambda: pane_row(app, "Release day"), timeout=10, message=lambda: pane_text(app))
        entry = app.client.accounts.get(alice.jid).blog.model.entry(bob.jid, "b1")
        assert "Bob Builder" in row and "#xmpp #news" in row
        assert f"{entry.published.astimezone():%Y-%m-%d %H:%M}" in row and row.startswith("●")  # unread
        assert pane_text(app).splitlines()[0].startswith(f"{bob.jid}  1 entry, 1 unread")
        assert f"{bob.jid}: 1 entry" in status_text(app)  # what the command said (typed in the status window)
        assert app.main.blog_pane.has_focus

        await pilot.press("enter")  # opens it (and reads its comments)
        await until(lambda: "• first point" in pane_text(app), timeout=10, message=lambda: pane_text(app))
        text = pane_text(app)
        assert "Release day" in text and f"by Bob Builder <{bob.jid}>" in text and "tags: #xmpp #news" in text
        assert "Some important news:" in text and "• see the news <https://example.org/news>" in text
        assert "published " in text and "This entry takes no comments" in text
        for tag in ("<p>", "<b>", "<ul>", "<li>", "<a ", "</", "xmlns"):
            assert tag not in text
        assert "important" in styled_segments(app, lambda s: s.bold)
        assert "the news" in styled_segments(app, lambda s: s.underline)

        await pilot.press("escape")  # back to the list: read now
        await until(lambda: pane_row(app, "Release day").startswith(" "), timeout=5, message=lambda: pane_text(app))
        await pilot.press("escape")  # from the list: the keys go to the input line
        await until(lambda: app.main.input_line.has_focus, timeout=5)
        await pilot.press("escape")  # and back
        await until(lambda: app.main.blog_pane.has_focus, timeout=5)
        # typed at once (a burst queued at the pane before it handles the "/"): every key reaches the input line
        burst = [("slash", "/")] + [(c if c != " " else "space", c) for c in "blog tag news"] + [("enter", "\r")]
        for key, character in burst:
            app.main.blog_pane.post_message(events.Key(key, character))
        await until(lambda: pane_text(app).startswith(f"{bob.jid} · tag news"), timeout=5,
                    message=lambda: pane_text(app) + status_text(app))
        await until(lambda: app.main.blog_pane.has_focus, timeout=5)  # the line ran: the keys are the pane's again


async def test_the_timeline_shows_a_new_entry_live_and_the_activity_rises(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await mutual_contacts(app, pilot, account, bob)
        await type_line(app, pilot, "/blog")
        window = await until(lambda: (w := app.client.windows.active).kind is WindowKind.BLOG and w, timeout=5)
        await until(lambda: pane_text(app).startswith("timeline"), timeout=5)

        await publish_raw(bob, entry_xml(bob, "live1", "First live one"), item="live1")
        row = await until(lambda: pane_row(app, "First live one"), timeout=10, message=lambda: pane_text(app))
        assert row.startswith("●") and "1 unread" in pane_text(app).splitlines()[0]

        await pilot.press("alt+1")  # the status window in view: the blog window shows activity
        await until(lambda: app.client.windows.active is app.client.windows.status, timeout=5)
        assert window.activity is Activity.NONE
        await publish_raw(bob, entry_xml(bob, "live2", "Second live one"), item="live2")
        await until(lambda: window.activity is Activity.MESSAGES, timeout=10, message=lambda: status_text(app))
        bar = app.main.query_one("#windowbar")
        await until(lambda: f"[Act: {window.number}]" in bar.plain, timeout=5, message=lambda: bar.plain)
        assert any(str(span.style) == "bold white" and f"{window.number}" in bar.plain[span.start:span.end]
                   for span in bar.text.spans)

        await pilot.press(f"alt+{window.number}")
        await until(lambda: pane_row(app, "Second live one"), timeout=5, message=lambda: pane_text(app))
        assert pane_text(app).index("Second live one") < pane_text(app).index("First live one")  # newest first


async def test_pane_keys_move_open_and_dispatch_the_entry_commands(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await mutual_contacts(app, pilot, account, bob)
        for item, title in (("k1", "older one"), ("k2", "newer one")):
            await publish_raw(bob, entry_xml(bob, item, title), item=item)
        await type_line(app, pilot, "/blog post mine to delete")
        await type_line(app, pilot, "/blog")
        await until(lambda: pane_row(app, "newer one") and pane_row(app, "older one") and pane_row(app, "mine to"),
                    timeout=10, message=lambda: pane_text(app))
        pane = app.main.blog_pane
        await until(lambda: pane.has_focus, timeout=5)
        entered: list[str] = []
        handle_input = app.client.handle_input

        async def recording(value, window=None, **kwargs):
            entered.append(value)
            return await handle_input(value, window, **kwargs)

        app.client.handle_input = recording

        await pilot.press("n")  # the next unread: bob's newest
        assert headline(pane.current()) == "newer one"
        await pilot.press("j")
        assert headline(pane.current()) == "older one"
        await pilot.press("k", "k")
        assert headline(pane.current()) == "mine to delete"
        number = pane.view.number_of(pane.current())
        # e and c open the composer on the entry (edit, comment); Esc leaves an unchanged one at once
        for key, command in (("e", "edit"), ("c", "comment")):
            await pilot.press(key)
            await until(lambda: entered[-1:] == [f"/blog {command} {number}"]  # noqa: B023 (polled in this iteration)
                        and type(app.screen).__name__ == "BlogComposerScreen", timeout=5,
                        message=lambda: f"{entered} {app.screen}")
            await pilot.press("escape")
            await until(lambda: app.screen is app.main, timeout=5, message=lambda: str(app.screen))
        await until(lambda: pane.has_focus, timeout=5)

        await pilot.press("d")  # asks first; "n" says no
        await until(lambda: type(app.screen).__name__ == "Confirm", timeout=5)
        await pilot.press("n")
        await until(lambda: app.screen is app.main, timeout=5)
        assert not any(line.startswith("/blog delete") for line in entered)
        await pilot.press("d", "y")
        await until(lambda: not pane_row(app, "mine to delete"), timeout=10, message=lambda: pane_text(app))
        assert entered[-1] == f"/blog delete {number}"
        result = await bob.plugin["xep_0060"].get_items(alice.jid, "urn:xmpp:microblog:0", timeout=5)
        assert not list(result["pubsub"]["items"])

        await pilot.press("slash")  # a command: the input line has the keys
        await until(lambda: app.main.input_line.has_focus and app.main.input_line.value == "/", timeout=5)
        app.main.input_line.value = ""
        pane.focus()
        await pilot.press("h", "i")  # typing: the text goes to the input line
        await until(lambda: app.main.input_line.has_focus and app.main.input_line.value == "hi", timeout=5)
        app.main.input_line.value = ""

        # the mouse: a click selects a row, a click on the selected row opens it
        await pilot.click(BlogPane, offset=(10, 2))  # the second row, under the header
        assert headline(pane.current()) == "older one"
        await pilot.click(BlogPane, offset=(10, 2))
        await until(lambda: pane.opened is not None and "older one" in pane_text(app), timeout=10)


async def test_tag_and_search_narrow_the_entries_read(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    await publish_raw(bob, entry_xml(bob, "t1", "Tagged news").replace('term="news"', 'term="Rust"'), item="t1")
    await publish_raw(bob, entry_xml(bob, "t2", "Another day"), item="t2")
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/blog {bob.jid}")
        await until(lambda: pane_row(app, "Tagged news") and pane_row(app, "Another day"), timeout=10)
        await type_line(app, pilot, "/blog tag rust")
        await until(lambda: pane_text(app).startswith(f"{bob.jid} · tag rust  1 entry"), timeout=5,
                    message=lambda: pane_text(app))
        assert pane_row(app, "Tagged news") and not pane_row(app, "Another day")
        await type_line(app, pilot, "/blog search another DAY")
        await until(lambda: pane_row(app, "Another day") and not pane_row(app, "Tagged news"), timeout=5,
                    message=lambda: pane_text(app))
        await type_line(app, pilot, "/blog")
        await until(lambda: pane_text(app).startswith("timeline") and pane_row(app, "Tagged news"), timeout=5)


async def test_search_and_tag_find_entries_read_in_an_earlier_session(alice, make_peer, tmp_path):
    """The entries read are kept in the history store: a later session finds
    them by /blog search and /blog tag without reading the blog again; a
    retracted entry is forgotten there too."""
    bob = await make_peer(plugins=PEER_PLUGINS)
    await publish_raw(bob, entry_xml(bob, "s1", "Tagged news").replace('term="news"', 'term="Rust"'), item="s1")
    await publish_raw(bob, entry_xml(bob, "s2", "Another day"), item="s2")
    await publish_raw(bob, entry_xml(bob, "s3", "Soon retracted"), item="s3")
    profile = tmp_path / "profile"
    async with running_app(alice.config, data_dir=profile) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await mutual_contacts(app, pilot, account, bob)
        await type_line(app, pilot, f"/blog {bob.jid}")
        await until(lambda: pane_row(app, "Tagged news") and pane_row(app, "Soon retracted"), timeout=10,
                    message=lambda: pane_text(app))
        await until(lambda: len(_run_sync(account, "retracted")) == 1, timeout=5)  # kept
        await bob.plugin["xep_0060"].retract(bob.jid, NS_MICROBLOG, "s3", notify=True, timeout=5)
        await until(lambda: not pane_row(app, "Soon retracted"), timeout=10, message=lambda: pane_text(app))
        await until(lambda: _run_sync(account, "retracted") == [], timeout=5)  # forgotten with it
    async with running_app(alice.config, data_dir=profile) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        # nothing read in this session (the server pushes a contact's newest entry only: s2)
        assert account.blog.model.entry(bob.jid, "s1") is None
        await type_line(app, pilot, "/blog tag rust")
        await until(lambda: pane_row(app, "Tagged news") and not pane_row(app, "Another day"), timeout=10,
                    message=lambda: pane_text(app))
        await type_line(app, pilot, "/blog search retracted")
        await until(lambda: "0 entries" in pane_text(app) or "timeline · search retracted" in pane_text(app),
                    timeout=5, message=lambda: pane_text(app))
        assert not pane_row(app, "Soon retracted")


def _run_sync(account, words: str) -> list:
    """The store's blog search, read on its own connection (a peek for the test)."""
    import sqlite3

    from tui.store import blog_entries

    path = account.store.db.database.path
    db = sqlite3.connect(path)
    try:
        return [r.item_id for r in blog_entries.search(db, words)]
    finally:
        db.close()


HOSTILE_TITLE = "[b]loud[/b] [@click=app.quit]click[/] \u009b31mred \u202eevil"


async def test_a_hostile_entry_renders_inert_and_the_pane_keeps_answering(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    hostile = entry_xml(bob, "h1", HOSTILE_TITLE.replace("&", "&amp;")).replace(
        'term="news"', 'term="[red]tag[/red]\u202e"').replace(
        "<b>important</b>", "<b>[@click=app.quit]x[/] \u009b2J \u202e</b>")
    await publish_raw(bob, hostile, item="h1")
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await type_line(app, pilot, f"/blog {bob.jid}")
        row = await until(lambda: pane_row(app, "[b]loud[/b]"), timeout=10, message=lambda: pane_text(app))
        assert "[@click=app.quit]click[/]" in row and "#[red]tag[/red]" in row
        # a 1 MB body (bigger than Prosody lets a stanza be: read as the service reads an item)
        big = entry_xml(bob, "big", "A very long one").replace(
            "<p>Some <b>important</b> news:</p>", "<p>" + "[b]x[/b] \u009b \u202e word " * 60_000 + "</p>")
        assert len(big) > 1_000_000
        item = ET.fromstring(f'<item xmlns="http://jabber.org/protocol/pubsub" id="big">{big}</item>')
        account.blog.model.put(bob.jid, entry_from_item(item, owner=bob.jid))
        account.blog.touched(bob.jid)
        await until(lambda: pane_row(app, "A very long one"), timeout=5)

        pane = app.main.blog_pane
        for title in ("A very long one", "[b]loud[/b]"):
            wanted = next(i for i, e in enumerate(pane.rows) if title in e.title)
            await pilot.press(*(["j"] * (wanted - pane.cursor) or ["k"] * (pane.cursor - wanted) or ["j", "k"]))
            assert title in pane.current().title
            handled = pane.keys_handled
            await pilot.press("enter", "j", "j", "k")  # opening it, then keys while it is shown
            await until(lambda h=handled: pane.opened is not None and pane.keys_handled == h + 4, timeout=10)
            text = pane_text(app)
            for bad in ("\x1b", "\u009b", "\u202e"):
                assert bad not in text
            if title == "A very long one":
                assert "[b]x[/b]" in text and text.rstrip().count("word") < MAX_TEXT_CHARS // 4
                assert "[…]" in text and pane.scroll_offset.y == 1  # j j k: it scrolled
            else:
                assert "[@click=app.quit]x[/]" in text and "[b]loud[/b]" in text and "#[red]tag[/red]" in text
            await pilot.press("escape")
            await until(lambda: pane.opened is None, timeout=5)
        assert app.is_running and app.screen is app.main


async def bob_comments(bob, entry, item: str, text: str) -> None:
    from tui.xmpp.blog.items import new_atom, now_to_the_millisecond

    atom = new_atom(author=bob.jid, name="Bob", service=entry.comments.service, node=entry.comments.node,
                    item_id=item, title="", body=text, when=now_to_the_millisecond())
    await bob.plugin["xep_0060"].publish(entry.comments.service, entry.comments.node, id=item,
                                         payload=atom, timeout=5)


async def test_comments_on_our_entry_arrive_live_and_light_the_window(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await mutual_contacts(app, pilot, account, bob)
        await type_line(app, pilot, "/blog post Comment on this\nplease")
        await type_line(app, pilot, "/blog")
        window = await until(lambda: (w := app.client.windows.active).kind is WindowKind.BLOG and w, timeout=5)
        await until(lambda: pane_row(app, "Comment on this"), timeout=10, message=lambda: pane_text(app))
        mine = next(iter(account.blog.model.feed(alice.jid)))
        assert mine.comments is not None

        await pilot.press("alt+1")
        await until(lambda: app.client.windows.active is app.client.windows.status, timeout=5)
        await bob_comments(bob, mine, "c1", "first!")
        await until(lambda: window.activity is Activity.MESSAGES, timeout=10, message=lambda: status_text(app))
        thread = account.blog.model.comments(mine.comments)
        assert [c.body for c in thread] == ["first!"]  # arrived by itself: nothing read it

        await pilot.press(f"alt+{window.number}")
        await until(lambda: "[1 comment]" in pane_row(app, "Comment on this"), timeout=5,
                    message=lambda: pane_text(app))
        await until(lambda: app.main.blog_pane.has_focus, timeout=5)
        await pilot.press("enter")
        await until(lambda: "Comments (1)" in pane_text(app), timeout=10, message=lambda: pane_text(app))
        await bob_comments(bob, mine, "c2", "and second")  # while it is open: it shows under it
        await until(lambda: "Comments (2)" in pane_text(app) and "  and second" in pane_text(app), timeout=10,
                    message=lambda: pane_text(app))


async def test_moving_past_the_end_of_a_blog_pages_in_older_entries(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    for n in range(3):
        await publish_raw(bob, entry_xml(bob, f"p{n}", f"Entry number {n}"), item=f"p{n}")
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        account.blog.page_size = 2
        await type_line(app, pilot, f"/blog {bob.jid}")
        await until(lambda: "(more below the last)" in pane_text(app), timeout=10, message=lambda: pane_text(app))
        assert len(app.main.blog_pane.rows) == 2
        await until(lambda: app.main.blog_pane.has_focus, timeout=5)
        await pilot.press("j", "j")  # the second j goes past the end
        await until(lambda: len(app.main.blog_pane.rows) == 3, timeout=10, message=lambda: pane_text(app))
        await until(lambda: "(more below the last)" not in pane_text(app), timeout=5)
        # PgUp/PgDn (the log.* keys) page the pane in a blog window
        await pilot.press("pageup")
        assert app.main.blog_pane.cursor == 0
        await pilot.press("pagedown")
        assert app.main.blog_pane.cursor == 2


async def test_the_timeline_reads_our_contacts_blogs_not_only_what_was_pushed(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    for n in range(3):  # before alice and bob are contacts: nothing of it is pushed to her
        await publish_raw(bob, entry_xml(bob, f"old{n}", f"Written before {n}"), item=f"old{n}")
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await mutual_contacts(app, pilot, account, bob)
        await type_line(app, pilot, "/blog")
        await until(lambda: all(pane_row(app, f"Written before {n}") for n in range(3)), timeout=10,
                    message=lambda: pane_text(app))
        feed = account.blog.model.feed(bob.jid)
        assert feed is not None and feed.complete  # read from his node, not only the last one pushed


async def test_moving_past_the_end_of_the_timeline_pages_in_older_entries_of_its_blogs(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    for n in range(3):
        await publish_raw(bob, entry_xml(bob, f"t{n}", f"Timeline entry {n}"), item=f"t{n}")
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        account.blog.page_size = 2
        await mutual_contacts(app, pilot, account, bob)
        await type_line(app, pilot, "/blog")
        await until(lambda: pane_row(app, "Timeline entry 2") and pane_row(app, "Timeline entry 1"), timeout=10,
                    message=lambda: pane_text(app))
        assert not pane_row(app, "Timeline entry 0") and account.blog.model.incomplete() == [bob.jid.lower()]
        pane = app.main.blog_pane
        await until(lambda: pane.has_focus, timeout=5)
        await pilot.press("j", "j")  # the second j goes past the end of the timeline
        await until(lambda: pane_row(app, "Timeline entry 0"), timeout=10, message=lambda: pane_text(app))
        await until(lambda: account.blog.model.incomplete() == [], timeout=5)


async def test_comments_that_cannot_be_read_say_so_under_the_entry(alice, make_peer):
    from tests.harness.blogs import MOVIM_ENTRY

    bob = await make_peer(plugins=PEER_PLUGINS)
    await publish_raw(bob, MOVIM_ENTRY.format(jid=bob.jid, item="m1"), item="m1")  # its comments node was never made
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/blog {bob.jid}")
        await until(lambda: pane_row(app, "Movim [i]says[/i] hi"), timeout=10, message=lambda: pane_text(app))
        await until(lambda: app.main.blog_pane.has_focus, timeout=5)
        await pilot.press("enter")
        await until(lambda: "Comments: cannot read the comments" in pane_text(app), timeout=10,
                    message=lambda: pane_text(app))
        assert "being read" not in pane_text(app)
        assert "Hello bold & Movim <https://movim.eu/>" in pane_text(app) and "• one" in pane_text(app)


async def test_the_timeline_asks_each_server_once_whether_its_blogs_page(alice, make_peer):
    """Whether a blog pages with RSM is a feature of its server's PEP
    service: the timeline of two contacts and our own blog, all on one
    server, asks it once (one disco#info to an account), not once a blog."""
    bob, carol = await make_peer(plugins=PEER_PLUGINS), await make_peer(plugins=PEER_PLUGINS)
    await publish_raw(bob, entry_xml(bob, "b1", "Written by bob"), item="b1")
    await publish_raw(carol, entry_xml(carol, "c1", "Written by carol"), item="c1")
    async with running_app(alice.config) as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        await mutual_contacts(app, pilot, account, bob)
        await mutual_contacts(app, pilot, account, carol)
        asked: list[str] = []

        def outgoing(stanza):
            query = stanza.xml.find("{http://jabber.org/protocol/disco#info}query")
            if query is not None and stanza["type"] == "get" and not stanza["to"].resource:
                asked.append(str(stanza["to"]))  # (not a caps query: those go to a client)
            return stanza

        account.session.xmpp.add_filter("out", outgoing)
        await type_line(app, pilot, "/blog")
        await until(lambda: pane_row(app, "Written by bob") and pane_row(app, "Written by carol"), timeout=10,
                    message=lambda: pane_text(app))
        assert len(asked) == 1, asked
        assert all(account.blog.model.feed(jid).complete for jid in (bob.jid, carol.jid))
