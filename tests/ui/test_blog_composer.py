"""The blog composer (screens/blog_composer.py) in the real app (Pilot),
against the real Prosody: alice writes in Parlons; bob, a raw slixmpp
client, reads her node and its comments node the way Movim and Libervia do."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from screens import editor
from screens.blog_composer import BlogComposerScreen, BodyArea, DropDraftPrompt, TagSuggester
from tests.harness.app import running_app, status_text, window_text
from tests.harness.blogs import MOVIM_ENTRY, PEER_PLUGINS, publish_raw
from tests.harness.wait import until
from tui.store.drafts import NEW_POST, drafts_path
from tui.xmpp.blog.comments import NODE_OPTIONS
from tui.xmpp.blog.items import NODE_CONFIG, new_atom, now_to_the_millisecond, pubsub_form
from tui.xmpp.blog.xep_0277 import COMMENTS_PREFIX, NS_MICROBLOG, parse_pubsub_uri, parse_time, pubsub_uri

ATOM = "{http://www.w3.org/2005/Atom}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BODY = "First line with *emphasis*\nsee [Parlons](https://parlons.example/docs)\n- and a list item"


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.focus()
    app.main.input_line.value = text
    await pilot.press("enter")


async def composer(app) -> BlogComposerScreen:
    return await until(lambda: isinstance(app.screen, BlogComposerScreen) and app.screen, timeout=5,
                       message=lambda: f"{app.screen!r}\n{status_text(app)}")


async def closed(app) -> None:
    await until(lambda: not isinstance(app.screen, (BlogComposerScreen, DropDraftPrompt)), timeout=10,
                message=lambda: f"{app.screen!r}\n{status_text(app)}")


async def node_entries(peer, owner: str, node: str = NS_MICROBLOG) -> dict[str, ET.Element]:
    """The Atom entries of a node, as a raw slixmpp client reads them."""
    result = await peer.plugin["xep_0060"].get_items(owner, node, timeout=5)
    return {item["id"]: item.xml.find(f"{ATOM}entry") for item in result["pubsub"]["items"]}


def xhtml_of(entry: ET.Element) -> ET.Element:
    div = entry.find(f"{ATOM}content[@type='xhtml']/{XHTML}div")
    assert div is not None, ET.tostring(entry, encoding="unicode")
    return div


async def test_an_entry_from_the_composer_is_what_bob_reads_and_discusses(alice, make_peer, tmp_path):
    bob = await make_peer(plugins=PEER_PLUGINS)
    async with running_app(alice.config, data_dir=tmp_path / "data") as (app, pilot):
        account = app.client.accounts.get(alice.jid)
        me = alice.jid.split("@")[0]
        await account.blog.publish("an earlier one", title="Earlier", categories=["xmpp"])  # a tag to complete

        # alice writes: title typed, a tag completed, a second tag, a 3-line body with a link
        await type_line(app, pilot, "/blog post")
        screen = await composer(app)
        assert app.focused is screen.query_one("#title")
        await pilot.press(*"Hello", "tab")
        await pilot.press("x", "m")
        tags = screen.query_one("#tags")
        await until(lambda: tags._suggestion == "xmpp", timeout=5, message=lambda: repr(tags._suggestion))
        await pilot.press("right")
        assert tags.value == "xmpp"
        await pilot.press(*", tui")
        screen.query_one(BodyArea).text = BODY
        preview = screen.query_one("#preview")
        await until(lambda: "see Parlons <https://parlons.example/docs>" in str(preview.render()), timeout=5,
                    message=lambda: str(preview.render()))
        rendered = str(preview.render())
        assert "#xmpp #tui" in rendered and "• and a list item" in rendered and "*emphasis*" not in rendered
        await pilot.press("ctrl+s")
        await closed(app)
        await until(lambda: "Published “Hello” on your blog" in window_text(app.client.windows.active),
                    timeout=10, message=lambda: status_text(app))

        # bob fetches exactly that entry from alice's node
        entries = await node_entries(bob, alice.jid)
        [(item_id, entry)] = [(i, e) for i, e in entries.items() if e.findtext(f"{ATOM}title") == "Hello"]
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == me
        assert entry.findtext(f"{ATOM}author/{ATOM}uri") == f"xmpp:{alice.jid}"
        published, updated = (parse_time(entry.findtext(f"{ATOM}{t}")) for t in ("published", "updated"))
        assert published is not None and published == updated
        assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["xmpp", "tui"]
        assert entry.findtext(f"{ATOM}content[@type='text']") == BODY
        div = xhtml_of(entry)
        assert [e.tag.removeprefix(XHTML) for e in div] == ["p", "ul"]
        assert div.find(f".//{XHTML}em").text == "emphasis"
        assert div.find(f".//{XHTML}a").get("href") == "https://parlons.example/docs"
        assert div.find(f".//{XHTML}li").text == "and a list item"
        links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
        assert parse_pubsub_uri(links["alternate"].get("href")) == (alice.jid, NS_MICROBLOG, item_id)
        service, node, _ = parse_pubsub_uri(links["replies"].get("href"))
        assert node == COMMENTS_PREFIX + item_id and links["replies"].get("title") == "comments"

        # bob comments through the comments node; alice sees it under the entry
        comment = new_atom(author=bob.jid, name="Bob", service=service, node=node, item_id="bob-1",
                           title="", body="Nice post!", when=now_to_the_millisecond())
        await bob.plugin["xep_0060"].publish(service, node, id="bob-1", payload=comment, timeout=5)
        mine = account.blog.model.entry(alice.jid, item_id)
        await account.blog.comments.read(mine)
        thread = account.blog.model.comments(mine.comments)
        assert [c.body for c in thread.oldest_first()] == ["Nice post!"]

        # alice's comment from the composer: Alt+Enter adds a line, Enter posts
        await type_line(app, pilot, f"/blog comment {item_id}")
        screen = await composer(app)
        assert not screen.query("#title") and app.focused is screen.query_one(BodyArea)
        await pilot.press(*"Thanks", "alt+enter", *"Bob", "enter")
        await closed(app)
        comments = await until(lambda: node_entries(bob, service, node), timeout=5)
        assert sorted(e.findtext(f"{ATOM}title") for e in comments.values()) == ["Nice post!", "Thanks\nBob"]

        # an edit from the prefilled composer changes what bob fetches; published stays
        await type_line(app, pilot, f"/blog edit {item_id}")
        screen = await composer(app)
        assert (screen.query_one("#title").value, screen.query_one("#tags").value) == ("Hello", "xmpp, tui")
        assert screen.query_one(BodyArea).text == BODY
        screen.query_one("#title").value = "Hello again"
        screen.query_one(BodyArea).text = "Edited **body**"
        await pilot.press("ctrl+s")
        await closed(app)

        async def edited():
            entry = (await node_entries(bob, alice.jid)).get(item_id)
            return entry if entry is not None and entry.findtext(f"{ATOM}title") == "Hello again" else None

        entry = await until(edited, timeout=10, message=lambda: status_text(app))
        assert parse_time(entry.findtext(f"{ATOM}published")) == published
        assert parse_time(entry.findtext(f"{ATOM}updated")) > published
        assert entry.findtext(f"{ATOM}content[@type='text']") == "Edited **body**"
        assert xhtml_of(entry).find(f".//{XHTML}strong").text == "body"
        assert len(entry.findall(f"{ATOM}content")) == 2  # the stale XHTML went

        # alice deletes her own comment (her node: allowed), then the entry
        own = next(c for c in account.blog.model.comments(mine.comments).oldest_first() if c.author == alice.jid)
        await type_line(app, pilot, f"/blog delete {own.id}")
        await until(lambda: "Deleted your comment" in window_text(app.client.windows.active), timeout=10,
                    message=lambda: status_text(app))
        remaining = await node_entries(bob, service, node)
        assert [e.findtext(f"{ATOM}title") for e in remaining.values()] == ["Nice post!"]
        await type_line(app, pilot, f"/blog delete {item_id}")
        await until(lambda: "Deleted entry “Hello again”" in window_text(app.client.windows.active), timeout=10,
                    message=lambda: status_text(app))
        assert item_id not in await node_entries(bob, alice.jid)


async def test_a_draft_survives_quitting_and_esc_asks_before_dropping_it(alice, tmp_path):
    data = tmp_path / "data"
    path = drafts_path(data, alice.jid)
    async with running_app(alice.config, data_dir=data) as (app, pilot):
        blog = app.client.accounts.get(alice.jid).blog
        await blog.publish("with a tag", title="Tagged", categories=["travel"])
        await blog.publish("another", title="Later", categories=["other"])  # the last item, notified at login
        await type_line(app, pilot, "/blog post")
        screen = await composer(app)
        await pilot.press(*"Unfinished")
        screen.query_one(BodyArea).text = "a thought\nto finish"
        await until(lambda: path.exists() and json.loads(path.read_text()).get(NEW_POST, {}).get("body")
                    == "a thought\nto finish", timeout=5)
        assert json.loads(path.read_text())[NEW_POST]["title"] == "Unfinished"
    # quit with the composer open: the second start offers the draft back
    async with running_app(alice.config, data_dir=data) as (app, pilot):
        assert f"{alice.jid}: unfinished blog drafts kept: a new entry (/blog post)" in status_text(app)
        await type_line(app, pilot, "/blog post")
        screen = await composer(app)
        assert screen.query_one("#title").value == "Unfinished"
        assert screen.query_one(BodyArea).text == "a thought\nto finish"
        assert "is back" in str(screen.query_one("#composer-notice").render())
        # a fresh start knows our tags again (our blog is read as the composer opens)
        tags = screen.query_one("#tags")
        tags.focus()
        await pilot.press("t", "r")
        await until(lambda: tags._suggestion == "travel", timeout=10, message=lambda: repr(tags._suggestion))
        # Esc on a draft asks; Esc again goes on writing
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, DropDraftPrompt), timeout=5)
        await pilot.press("escape")
        await until(lambda: app.screen is screen, timeout=5)
        # "keep for later" closes and keeps it
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, DropDraftPrompt), timeout=5)
        await pilot.press("k")
        await closed(app)
        assert json.loads(path.read_text())[NEW_POST]["title"] == "Unfinished"
        # "discard" drops it; an empty composer then closes without asking
        await type_line(app, pilot, "/blog post")
        screen = await composer(app)
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, DropDraftPrompt), timeout=5)
        await pilot.press("d")
        await closed(app)
        await until(lambda: NEW_POST not in json.loads(path.read_text()), timeout=5)
        await type_line(app, pilot, "/blog post")
        screen = await composer(app)
        assert screen.query_one("#title").value == ""
        await pilot.press("escape")
        await closed(app)


async def test_the_body_goes_to_the_editor_by_ctrl_x_ctrl_e_and_by_a_line_edit(alice, tmp_path, monkeypatch):
    monkeypatch.setenv("VISUAL", str(script(tmp_path, "up.sh", 'tr a-z A-Z < "$1" > "$1.x"; mv "$1.x" "$1"')))
    async with running_app(alice.config, data_dir=tmp_path / "data") as (app, pilot):
        app.editor_runner = editor.run_plain
        await type_line(app, pilot, "/blog post")
        screen = await composer(app)
        body = screen.query_one(BodyArea)
        body.focus()
        await pilot.press(*"shout")
        await pilot.press("ctrl+x", "ctrl+e")
        notice = screen.query_one("#composer-notice")
        await until(lambda: body.text == "SHOUT", timeout=5, message=lambda: f"{body.text!r} {notice.render()}")
        await pilot.press("enter", *"more", "enter", *"/edit")
        await pilot.press("enter")
        await until(lambda: body.text == "SHOUT\nMORE", timeout=5, message=lambda: f"{body.text!r} {notice.render()}")
        # the composer keeps its keys: PgUp pages the body, not the log behind it
        body.text = "\n".join(map(str, range(200)))
        body.move_cursor((150, 0))
        await pilot.press("pageup")
        assert body.cursor_location[0] < 150
        # the composer is still open, nothing was published
        assert app.screen is screen
        assert not app.client.accounts.get(alice.jid).blog.model.feed(alice.jid)  # none, or empty


async def test_tags_complete_from_the_ones_already_used():
    suggester = TagSuggester(lambda: ("xmpp", "XMPP-dev", "tui", "travel"))
    assert await suggester.get_suggestion("x") == "xmpp"
    assert await suggester.get_suggestion("xmpp, t") == "xmpp, tui"
    assert await suggester.get_suggestion("tui, xmpp, T") == "tui, xmpp, travel"  # tui is taken
    assert await suggester.get_suggestion("xmpp, ") is None
    assert await suggester.get_suggestion("xmpp") == "XMPP-dev"  # typed whole: the next one that extends it
    assert await suggester.get_suggestion("q") is None


def test_the_preview_never_reads_text_as_markup():
    from screens.blog_composer import preview
    from tui.store.drafts import Draft

    text = preview(Draft(title="[b]x[/b] \x1b[31m", tags="[@click=app.quit]", body="**[i]y[/i]**"), "post")
    assert "[b]x[/b]" in text.plain and "#[@click=app.quit]" in text.plain and "[i]y[/i]" in text.plain
    assert "\x1b" not in text.plain


async def test_a_comment_on_bobs_entry_cannot_be_deleted_where_his_service_refuses(alice, make_peer, prosody):
    """Prosody lets only a node's owner retract its items: alice's own comment
    on bob's entry stays, and she is told why in one line."""
    bob = await make_peer(plugins=PEER_PLUGINS)
    node = COMMENTS_PREFIX + "b1"
    await bob.plugin["xep_0060"].create_node(prosody.pubsub_domain, node,
                                             config=pubsub_form(NODE_CONFIG, NODE_OPTIONS), timeout=5)
    entry = MOVIM_ENTRY.format(jid=bob.jid, item="b1").replace(
        f"xmpp:{bob.jid}?;node=urn:xmpp:microblog:0:comments/b1", pubsub_uri(prosody.pubsub_domain, node))
    await publish_raw(bob, entry, item="b1")
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/blog read {bob.jid}")
        account = app.client.accounts.get(alice.jid)
        await until(lambda: account.blog.model.entry(bob.jid, "b1"), timeout=10, message=lambda: status_text(app))
        await type_line(app, pilot, "/blog comment b1 mine, but on his node")
        comments = await until(lambda: node_entries(bob, prosody.pubsub_domain, node), timeout=10)
        [comment_id] = comments
        # the number of bob's entry, as typed, refuses an edit; the comment's id finds the comment
        await type_line(app, pilot, "/blog edit b1")
        await until(lambda: f"is {bob.jid}'s: you can edit only your own entries" in status_text(app), timeout=5)
        await type_line(app, pilot, f"/blog delete {comment_id}")
        refusal = "lets only the owner of the comments node delete comments (forbidden)"
        await until(lambda: refusal in status_text(app), timeout=10, message=lambda: status_text(app))
        [line] = [line for line in app.client.windows.status.lines if refusal in line.body]
        assert "\n" not in line.body
        assert comment_id in await node_entries(bob, prosody.pubsub_domain, node)


def test_the_preview_of_a_short_post_says_it_goes_out_as_plain_text():
    from screens.blog_composer import preview
    from tui.store.drafts import Draft

    assert "Hi *there*\n\n(no title: published as a short post" in preview(Draft(body="Hi *there*"), "post").plain
    formatted = preview(Draft(title="T", body="Hi *there*"), "post")
    assert "Hi there" in formatted.plain and "no title" not in formatted.plain
