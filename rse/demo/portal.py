"""The demo portal: two sections with a few items, and a curation queue with something to do.

Built through the portal services once the posts are written, so that proposals, approvals,
history and notifications are those a curator would have left. The posts are the most discussed
ones, which the seed decides; publication times are relative to now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from communities.models import Community, Membership
from feed.models import Post
from portal import curation
from portal import services as portal
from portal.models import PortalItemView, PostView
from rse.accounts.models import User
from rse.extensions import db

CURATOR_EMAIL = "thomas.moreau@diplomatie.gouv.fr"
SECTIONS = (("À la une", "a-la-une"), ("Vie des réseaux", "vie-des-reseaux"))
STANDFIRSTS = (
    "Ce qu'il faut retenir de l'échange, repéré par la rédaction du portail.",
    "Une discussion suivie par plusieurs réseaux, résumée pour tous les agents.",
    "Retour d'expérience partagé par une communauté, à lire et à commenter.",
)


def _most_discussed(visibility: str, count: int, skip: set[int]) -> list[Post]:
    posts = db.session.scalars(
        select(Post)
        .join(Community, Community.id == Post.community_id)
        .where(Community.visibility == visibility, Post.deleted_at.is_(None), Post.id.not_in(skip or {0}))
        .order_by(Post.comment_count.desc(), Post.id)
        .limit(count * 4)
    ).all()
    chosen, communities = [], set()
    for post in posts:  # one per community, for variety
        if post.community_id not in communities:
            chosen.append(post)
            communities.add(post.community_id)
        if len(chosen) == count:
            break
    return chosen


def _member(post: Post, role: str, curator: User) -> User | None:
    user_id = db.session.scalar(
        select(Membership.user_id)
        .where(
            Membership.community_id == post.community_id,
            Membership.role == role,
            Membership.user_id.not_in((post.author_id, curator.id)),
        )
        .order_by(Membership.user_id)
        .limit(1)
    )
    return db.session.get(User, user_id) if user_id else None


def _load_readings(now: datetime, items: list) -> None:
    """Views for the statistics pages: the members of each published post's community read it over
    the days since it was written, and a third of the people read each portal item today."""
    people = db.session.scalars(select(User.id).where(User.active.is_(True)).order_by(User.id)).all()
    today = now.date()
    for number, item in enumerate(items):
        post = item.post
        members = db.session.scalars(
            select(Membership.user_id)
            .where(Membership.community_id == post.community_id, Membership.user_id != post.author_id)
            .order_by(Membership.user_id)
        ).all()
        age = max((today - post.created_at.date()).days, 0)
        for index, person in enumerate(members):
            db.session.add(
                PostView(
                    post_id=post.id,
                    user_id=person,
                    day=today - timedelta(days=(index * 5 + number) % (age + 1)),
                    views=1 + index % 3,
                    seconds=20 + (index * 37) % 300,
                    first_at=now,
                    last_at=now,
                )
            )
        if item.published_at > now:
            continue
        for index, person in enumerate(people):
            if (index + number) % 3 == 0 and person != post.author_id:
                db.session.add(
                    PortalItemView(
                        item_id=item.id,
                        user_id=person,
                        day=today,
                        views=1 + index % 2,
                        seconds=15 + (index * 53) % 240,
                        first_at=now,
                        last_at=now,
                    )
                )


def load_demo_portal(now: datetime) -> dict[str, int]:
    curator = db.session.scalar(select(User).where(User.email == CURATOR_EMAIL))
    sections = [portal.create_section(curator, name, slug) for name, slug in SECTIONS]
    used: set[int] = set()
    published = _most_discussed("open", 4, used) + _most_discussed("restricted", 1, used)
    items = []
    for number, post in enumerate(published):
        used.add(post.id)
        animator = _member(post, "animator", curator) or post.author
        curation.propose(animator, post, "Un échange qui intéresse bien au-delà de notre réseau.")
        item = portal.publish(
            curator,
            post.id,
            section_id=sections[number % 2].id,
            headline=post.title,
            standfirst=STANDFIRSTS[number % len(STANDFIRSTS)],
            publish_at=now - timedelta(hours=6 * (len(published) - number)),
            pinned=number == 0,
        )
        items.append(item)
    _load_readings(now, items)
    # Left for the curator and the animators to decide.
    pending = _most_discussed("open", 1, used)
    waiting = _most_discussed("restricted", 1, used)
    proposals = 0
    for post in pending + waiting:
        proposer = _member(post, "member", curator)
        if proposer is not None:
            curation.propose(proposer, post, "À partager avec les autres ministères ?")
            proposals += 1
    db.session.flush()
    return {
        "portal_sections": len(sections),
        "portal_items": len(published),
        "curation_proposals": len(published) + proposals,
    }
