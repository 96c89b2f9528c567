"""The demo world and the scale world: coherent, deterministic, idempotent."""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from sqlalchemy import delete, func, inspect, or_, select, text

from communities.models import Community, Membership
from feed import addressees as addressing
from feed import selection
from feed.models import (
    Comment,
    Notification,
    Post,
    PostAddressee,
    PostMention,
    PostRead,
    PostRecipient,
    PostTag,
    SelectionItem,
    SelectionNote,
)
from feed.rendering import parse_mentions, parse_tags, render_markdown
from portal.models import PortalItem
from rse import permissions
from rse.accounts.models import ManagedUnit, User
from rse.accounts.services import authenticate
from rse.demo.bulk import DEMO_PASSWORD
from rse.demo.cables import CABLES_COMMUNITY
from rse.demo.world import SHOWCASE_LOGINS
from rse.units.models import Unit


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def digest(db) -> str:
    """Everything that must not vary between two loads with the same seed, ids and clock aside."""
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    slugs = dict(db.session.execute(select(Community.id, Community.slug)).all())
    paths = dict(db.session.execute(select(Unit.id, Unit.path)).all())
    titles = dict(db.session.execute(select(Post.id, Post.title)).all())
    lines = [
        f"user {u.email} {u.name} {paths[u.unit_id]} {u.roles}" for u in db.session.scalars(select(User))
    ]
    lines += [
        f"member {slugs[m.community_id]} {emails[m.user_id]} {m.role}"
        for m in db.session.scalars(select(Membership))
    ]
    for post in db.session.scalars(select(Post)):
        targets = sorted(
            f"{a.kind}:{a.target_type}:{emails[a.target_id] if a.target_type == 'user' else paths[a.target_id]}"
            for a in post.addressees
        )
        lines.append(
            f"post {slugs[post.community_id]} {emails[post.author_id]} {post.title} {post.body} "
            f"{post.qualification} {post.priority} {post.tags} {targets} {post.comment_count}"
        )
    for comment in db.session.scalars(select(Comment)):
        lines.append(f"comment {titles[comment.post_id]} {emails[comment.author_id]} {comment.body}")
    items = {item.id: item for item in db.session.scalars(select(SelectionItem))}
    lines += [f"item {titles[i.post_id]} {paths[i.unit_id]} {i.status} {i.priority}" for i in items.values()]
    for note in db.session.scalars(select(SelectionNote)):
        item = items[note.item_id]
        lines.append(
            f"note {titles[item.post_id]} {paths[item.unit_id]} {emails[note.by_id]} {paths.get(note.unit_id)} "
            f"{note.action} {note.note} {note.priority}"
        )
    headlines = dict(db.session.execute(select(PortalItem.id, PortalItem.headline)).all())
    for notification in db.session.scalars(select(Notification)):
        about = titles.get(notification.post_id) or headlines[notification.portal_item_id]
        lines.append(
            f"notification {emails[notification.user_id]} {notification.kind} {about} "
            f"{notification.read_at is None}"
        )
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


@pytest.fixture
def demo(app, db):
    output = run(app)
    assert "Loaded the demo world" in output
    return output


def test_demo_world_has_every_visibility_and_role(demo, db):
    assert db.session.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(True))) == 60
    visibilities = Counter(db.session.scalars(select(Community.visibility)))
    assert visibilities == {"open": 13, "restricted": 12, "secret": 12}  # the cables' community is open
    scopes = Counter(ministry is None for ministry in db.session.scalars(select(Community.ministry_id)))
    assert scopes[True] >= 8 and scopes[False] >= 8  # inter-ministerial and ministry-scoped
    roles = Counter(role for user in db.session.scalars(select(User)) for role in user.roles)
    assert set(roles) == {"agent", "curator", "manager", "admin"}
    cables = select(Community.id).where(Community.slug == CABLES_COMMUNITY.slug).scalar_subquery()
    assert db.session.scalar(select(func.count()).where(Post.community_id == cables)) == 1000
    assert 250 <= db.session.scalar(select(func.count()).where(Post.community_id != cables)) <= 500
    assert {u.email.split("@")[1] for u in db.session.scalars(select(User))} == {
        "diplomatie.gouv.fr",
        "intradef.gouv.fr",
        "finances.gouv.fr",
    }


def test_an_office_agent_has_a_manager_at_every_level_up_to_the_ministry(demo, db):
    agent = db.session.scalar(select(User).where(User.email == SHOWCASE_LOGINS[4]["email"]))
    assert agent.unit.path == "MEAE/DGM/Afrique/Bureau Afrique de l'Ouest"
    managed = set(db.session.scalars(select(ManagedUnit.unit_id)))
    assert set(agent.unit.ancestor_ids) <= managed


def test_showcase_logins_work_with_the_documented_password(demo, db):
    assert len(SHOWCASE_LOGINS) == 6
    for login in SHOWCASE_LOGINS:
        user = authenticate(login["email"], DEMO_PASSWORD)
        assert user is not None and user.is_demo
        assert login["role"] in user.roles
        assert login["email"] in demo


def test_communities_keep_an_animator_and_their_member_count(demo, db):
    counts = dict(
        db.session.execute(
            select(Membership.community_id, func.count()).group_by(Membership.community_id)
        ).all()
    )
    animated = set(db.session.scalars(select(Membership.community_id).where(Membership.role == "animator")))
    for community in db.session.scalars(select(Community)):
        assert community.member_count == counts[community.id]
        assert community.id in animated
        creator = db.session.get(Membership, (community.id, community.created_by_id))
        assert creator is not None and creator.role == "animator"
        if community.ministry_id is not None:  # members of a ministry's community belong to it
            ministries = db.session.scalars(
                select(Unit.ministry_id)
                .join(User, User.unit_id == Unit.id)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.community_id == community.id)
            )
            assert set(ministries) == {community.ministry_id}


def check_posts(db, *, sample_recipients: int | None = None, recipients_of=None) -> None:
    """The invariants both worlds share, checked post by post."""
    members = defaultdict(set)
    for community_id, user_id in db.session.execute(select(Membership.community_id, Membership.user_id)):
        members[community_id].add(user_id)
    handles = dict(db.session.execute(select(User.handle, User.id)).all())
    mentions = defaultdict(set)
    for post_id, user_id in db.session.execute(select(PostMention.post_id, PostMention.user_id)):
        mentions[post_id].add(user_id)
    tags = defaultdict(set)
    for post_id, tag in db.session.execute(select(PostTag.post_id, PostTag.tag)):
        tags[post_id].add(tag)
    kinds = defaultdict(list)
    for row in db.session.scalars(select(PostAddressee)):
        kinds[row.post_id].append(row)
    comments = defaultdict(list)
    for comment in db.session.scalars(select(Comment)):
        comments[comment.post_id].append(comment)
    by_id = {comment.id: comment for rows in comments.values() for comment in rows}
    previous = None
    for post in db.session.scalars(select(Post).order_by(Post.id)):
        assert post.author_id in members[post.community_id]
        assert post.created_at.tzinfo is not None
        if previous is not None:
            assert post.created_at >= previous  # ids follow time
        previous = post.created_at
        assert post.body_html == render_markdown(post.body)
        assert set(parse_tags(post.body)) <= tags[post.id]
        assert mentions[post.id] == {handles[h] for h in parse_mentions(post.body) if h in handles}
        action = [row for row in kinds[post.id] if row.kind == "action"]
        if post.qualification == "action":
            assert action
        else:
            assert not action and post.due_at is None
        if post.qualification is None:
            assert not kinds[post.id]
        assert post.comment_count == sum(1 for c in comments[post.id] if c.deleted_at is None)
        for comment in comments[post.id]:
            assert comment.author_id in members[post.community_id]
            assert comment.created_at > post.created_at
            if comment.parent_id is not None:
                parent = by_id[comment.parent_id]
                assert parent.post_id == post.id and parent.parent_id is None
                assert parent.created_at < comment.created_at
    _check_recipients_against_the_service(db, sample_recipients, recipients_of)


def _check_recipients_against_the_service(db, sample: int | None, where=None) -> None:
    """The stored recipients are what feed.addressees computes when the post is addressed for real."""
    stmt = select(Post).where(Post.qualification.is_not(None)).order_by(Post.id)
    if where is not None:
        stmt = stmt.where(where)
    posts = list(db.session.scalars(stmt.limit(sample) if sample else stmt))
    stored = defaultdict(set)
    for row in db.session.scalars(select(PostRecipient)):
        stored[row.post_id].add((row.user_id, row.kind, row.unit_id))
    with db.session.begin_nested() as savepoint:
        for post in posts:
            action = [(r.target_type, r.target_id) for r in post.addressees if r.kind == "action"]
            information = [(r.target_type, r.target_id) for r in post.addressees if r.kind == "information"]
            addressing.replace(post, action, information)
        db.session.flush()
        computed = defaultdict(set)
        for row in db.session.scalars(
            select(PostRecipient).where(PostRecipient.post_id.in_([p.id for p in posts]))
        ):
            computed[row.post_id].add((row.user_id, row.kind, row.unit_id))
        savepoint.rollback()
    for post in posts:
        assert stored[post.id] == computed[post.id], post.title
    assert any(stored.values())


def test_posts_comments_and_recipients_are_coherent(demo, db):
    # Addressing 1,000 cables again through the service takes seconds: one in ten is enough there.
    cables = select(Community.id).where(Community.slug == CABLES_COMMUNITY.slug).scalar_subquery()
    check_posts(db, recipients_of=or_(Post.community_id != cables, Post.id % 10 == 0))
    priorities = Counter(db.session.scalars(select(Post.priority)))
    assert priorities["routine"] > priorities["priority"] > priorities["flash"] > 0
    assert Counter(db.session.scalars(select(Post.qualification))).keys() == {None, "action", "information"}
    assert db.session.scalar(select(func.count()).select_from(PostMention)) > 0
    assert db.session.scalar(select(func.count()).where(Comment.parent_id.is_not(None))) > 0
    targets = set(db.session.execute(select(PostAddressee.kind, PostAddressee.target_type)))
    assert {("action", "user"), ("action", "unit"), ("information", "user")} <= targets
    assert db.session.scalar(select(func.count()).where(Post.due_at.is_not(None))) > 0


def _user(db, email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_a_day_of_cables_narrows_up_the_meae_hierarchy(demo, db):
    community = db.session.scalar(select(Community).where(Community.slug == CABLES_COMMUNITY.slug))
    cables = list(db.session.scalars(select(Post).where(Post.community_id == community.id)))
    assert len(cables) == 1000
    assert len({post.created_at.date() for post in cables}) == 1  # one working day
    assert all(6 <= post.created_at.hour <= 18 for post in cables if not post.title.startswith("TD Tokyo"))
    priorities = Counter(post.priority for post in cables)
    assert priorities["routine"] > priorities["priority"] > priorities["immediate"] > priorities["flash"] > 0
    qualifications = Counter(post.qualification for post in cables)
    assert qualifications["information"] > 5 * qualifications["action"] > 0
    posts = {post.id: post for post in cables}

    managers = defaultdict(list)
    for row in db.session.scalars(select(ManagedUnit)):
        managers[row.unit_id].append(db.session.get(User, row.user_id))
    items = {item.id: item for item in db.session.scalars(select(SelectionItem))}
    notes = defaultdict(list)
    for note in db.session.scalars(select(SelectionNote).order_by(SelectionNote.at, SelectionNote.id)):
        notes[note.item_id].append(note)
    by_level = {(item.post_id, item.unit_id): item for item in items.values()}
    sent_up = set()  # (post, unit) whose managers sent the post further up
    for item in items.values():
        post, unit = posts[item.post_id], db.session.get(Unit, item.unit_id)
        first = notes[item.id][0]
        assert first.action == "forward" and first.at == item.created_at
        for note in notes[item.id]:
            forwarder = note.by
            if note.action != "forward":
                assert note.unit_id == unit.id and unit in forwarder.managed_units
            elif note.unit_id in {managed.id for managed in forwarder.managed_units}:
                assert (post.id, note.unit_id) in by_level  # a manager sent their own item up
                assert selection.level_above_unit(db.session.get(Unit, note.unit_id), forwarder) == unit
                sent_up.add((post.id, note.unit_id))
            else:
                assert note.unit_id == forwarder.unit_id
                assert selection.level_above_for(forwarder) == unit
        assert managers[unit.id]
        for manager in managers[unit.id]:
            assert permissions.can_read_post(manager, post)
    for item in items.values():
        decisions = [note.action for note in notes[item.id] if note.action != "forward"]
        if (item.post_id, item.unit_id) in sent_up:
            assert item.status == "forwarded" and not decisions
        else:
            expected = {"keep": "kept", "close": "closed"}[decisions[-1]] if decisions else "open"
            assert item.status == expected
    # Whoever forwarded has read the post; the managers of the level above were notified.
    reads = set(db.session.execute(select(PostRead.user_id, PostRead.post_id)))
    forwards = [
        (item, note) for item in items.values() for note in notes[item.id] if note.action == "forward"
    ]
    assert all((note.by_id, item.post_id) in reads for item, note in forwards)
    notified = Counter(
        (n.user_id, n.selection_item_id, n.actor_id, n.read_at is None)
        for n in db.session.scalars(select(Notification).where(Notification.kind == "forward"))
    )
    expected_notified = Counter(
        (manager.id, item.id, note.by_id, item.status == "open")
        for item, note in forwards
        for manager in managers[item.unit_id]
        if manager.id != note.by_id
    )
    assert notified == expected_notified

    top = _user(db, SHOWCASE_LOGINS[2]["email"])
    arrived = defaultdict(int)
    for level in selection.funnel(top, None, None, None):
        arrived[level["depth"]] += level["arrived"]
    depths = sorted(arrived)
    assert depths == [0, 1, 2, 3]
    assert all(arrived[deeper] > arrived[higher] for higher, deeper in pairwise(depths))
    assert 100 <= arrived[3] <= 150 and 30 <= arrived[2] <= 40 and 8 <= arrived[1] <= 15
    assert 3 <= arrived[0] <= 8
    assert selection.open_count(top) >= 2
    assert selection.open_count(_user(db, SHOWCASE_LOGINS[3]["email"])) >= 2  # MEAE/DGM


def _selection_rows(db):
    items = list(db.session.scalars(select(SelectionItem).order_by(SelectionItem.id)))
    key = {item.id: (item.post_id, item.unit_id) for item in items}
    notes = db.session.scalars(select(SelectionNote).order_by(SelectionNote.id))
    notifications = db.session.scalars(
        select(Notification).where(Notification.kind == "forward").order_by(Notification.id)
    )
    return {
        "items": [(key[i.id], i.status, i.priority, i.created_at, i.updated_at) for i in items],
        "notes": [(key[n.item_id], n.by_id, n.unit_id, n.action, n.note, n.priority, n.at) for n in notes],
        "notifications": sorted(
            (n.user_id, n.actor_id, n.post_id, key[n.selection_item_id], n.created_at) for n in notifications
        ),
    }


def test_the_forwarding_day_is_what_the_services_would_have_written(demo, db, monkeypatch):
    stored = _selection_rows(db)
    # Each note, oldest first, is one call to the service that wrote it.
    steps = [(n[0][0], *n[1:]) for n in stored["notes"]]
    clock = []
    monkeypatch.setattr(selection, "utcnow", lambda: clock[-1])
    monkeypatch.setattr("feed.notifications.utcnow", lambda: clock[-1])
    with db.session.begin_nested() as savepoint:
        db.session.execute(delete(Notification).where(Notification.kind == "forward"))
        db.session.execute(delete(SelectionNote))
        db.session.execute(delete(SelectionItem))
        db.session.expire_all()
        for post_id, by_id, unit_id, action, note, priority, at in steps:
            clock.append(at)
            user, post = db.session.get(User, by_id), db.session.get(Post, post_id)
            own = db.session.scalar(
                select(SelectionItem).where(
                    SelectionItem.post_id == post_id, SelectionItem.unit_id == unit_id
                )
            )
            if action == "forward" and own is not None and unit_id in {u.id for u in user.managed_units}:
                selection.forward_item(user, own, note, priority)
            elif action == "forward":
                selection.forward_post(user, post, note, priority)
            else:
                decide = selection.keep_item if action == "keep" else selection.close_item
                decide(user, own, note)
            db.session.flush()
        replayed = _selection_rows(db)
        savepoint.rollback()
    assert replayed == stored


def test_loading_twice_changes_nothing_and_reset_reloads_the_same_world(app, demo, db):
    first = digest(db)
    users = db.session.scalar(select(func.count()).select_from(User))
    assert "already present" in run(app)
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert digest(db) == first
    assert "Deleted the demo data" in run(app, "--reset")
    assert digest(db) == first
    inspector = inspect(db.engine)
    helpers = [i["name"] for t in inspector.get_table_names() for i in inspector.get_indexes(t)]
    assert not [name for name in helpers if name.startswith("ix_demo_reset")]
    run(app, "--reset", "--seed", "2")
    assert digest(db) != first
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_scale_world_is_skewed_and_coherent(app, db):
    output = run(app, "--users", "300", "--communities", "20", "--posts", "3000", "--seed", "5")
    assert "posts 3,000/3,000" in output
    assert db.session.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(True))) == 300
    assert db.session.scalar(select(func.count()).select_from(Post)) == 3000
    sizes = list(db.session.scalars(select(Community.member_count)))
    assert len(sizes) == 20
    assert max(sizes) >= 5 * statistics.median(sizes)
    assert set(db.session.scalars(select(Community.visibility))) == {"open", "restricted", "secret"}
    for email in (login["email"] for login in SHOWCASE_LOGINS):
        assert db.session.scalar(select(User.id).where(User.email == email)) is not None
    check_posts(db, sample_recipients=300)
    if db.engine.dialect.name == "postgresql":
        # The load ends as a restore would: the planner knows how many posts there are.
        assert "vacuum and planner statistics" in output
        assert db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'posts'")) == 3000
    sizes = ("--users", "300", "--communities", "20", "--posts", "3000")
    assert "already present" in run(app, *sizes)
    first = digest(db)
    run(app, "--reset", *sizes, "--seed", "5")
    assert digest(db) == first


def test_demo_on_a_database_without_tables_says_to_migrate_first(tmp_path, app_config):
    from rse import create_app

    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("an empty database of its own: a new SQLite file (the PostgreSQL run shares one)")
    empty = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    result = empty.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "run `rse db upgrade` first" in result.output
