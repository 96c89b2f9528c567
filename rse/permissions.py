"""Who may see or do what: the only place that decides.

Every channel asks here: pages, API routes, search hits and facets, Socket.IO rooms, notifications
and portal links. Each rule has a predicate for one object (``can_*``) and, where lists need it, a
query filter for many (``readable_*``); a property test checks that both always agree.

Visibility in short:
- an open community is read, joined and written in by every agent in its scope (its ministry, or
  everyone when inter-ministerial);
- a restricted community is listed in its scope, but only members read and write in it;
- a secret community exists only for its members;
- admins also read every open or restricted community (moderation), never a secret one unless
  they are members; curators and managers have no reading privilege of their own.

The portal is read by every active user, whatever their communities: its items expose only the
curated snapshot of a post, so the link to the source thread goes only to those who may read it.
Curators (global role) publish; content of a restricted or secret community needs the approval of
one of its animators first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Integer, and_, any_, exists, false, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from rse.db_types import utcnow
from rse.extensions import db

if TYPE_CHECKING:
    from communities.models import Community
    from feed.models import Comment, Post
    from portal.models import CurationProposal, PortalComment, PortalItem
    from rse.accounts.models import User
    from search.models import SavedSearch


# Viewer facts -----------------------------------------------------------------------------------


def _active(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def ministry_of(user: User) -> int | None:
    return user.unit.ministry_id if user.unit is not None else None


def membership_role(user: User | None, community: Community) -> str | None:
    """``"member"``, ``"animator"`` or None. Cached per user object for the request."""
    if not _active(user):
        return None
    roles = _membership_cache(user)
    return roles.get(community.id)


def _membership_cache(user: User) -> dict[int, str]:
    from communities.models import Membership

    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    cache = user.__dict__.get("_rse_memberships")
    if cache is None:
        rows = db.session.execute(
            select(Membership.community_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
        cache = {community_id: role for community_id, role in rows}
        user.__dict__["_rse_memberships"] = cache
    return cache


def forget_memberships(user: User) -> None:
    """Drop the cached memberships after a membership change in the same request."""
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    user.__dict__.pop("_rse_memberships", None)


def in_scope(user: User, community: Community) -> bool:
    return community.ministry_id is None or community.ministry_id == ministry_of(user)


# Communities ------------------------------------------------------------------------------------


def can_know_community(user: User | None, community: Community) -> bool:
    """Whether the community exists for this user (listed, 403 rather than 404 on its content)."""
    if not _active(user):
        return False
    if membership_role(user, community) is not None:
        return True
    if community.visibility == "secret":
        return False
    return in_scope(user, community) or user.has_role("admin")


def can_read_community(user: User | None, community: Community) -> bool:
    if not _active(user):
        return False
    if membership_role(user, community) is not None:
        return True
    if community.visibility == "secret":
        return False
    if user.has_role("admin"):
        return True
    return community.visibility == "open" and in_scope(user, community)


def can_contribute(user: User | None, community: Community) -> bool:
    """Write posts, comment and react: members, and every reader of an open community."""
    if not _active(user):
        return False
    if membership_role(user, community) is not None:
        return True
    return community.visibility == "open" and in_scope(user, community)


def can_join(user: User | None, community: Community) -> bool:
    """Open: join at once; restricted: ask. Secret communities are joined by invitation only."""
    return (
        _active(user)
        and membership_role(user, community) is None
        and community.visibility in ("open", "restricted")
        and in_scope(user, community)
    )


def is_animator(user: User | None, community: Community) -> bool:
    return membership_role(user, community) == "animator"


def can_animate(user: User | None, community: Community) -> bool:
    """Approve requests, invite, remove members, change roles, edit the community, moderate."""
    return is_animator(user, community)


def known_communities(user: User | None):
    """SQL condition on ``Community``: the communities that exist for this user."""
    from communities.models import Community, Membership

    if not _active(user):
        return false()
    member = Community.id.in_(select(Membership.community_id).where(Membership.user_id == user.id))
    listed = Community.visibility != "secret"
    if not user.has_role("admin"):
        ministry = ministry_of(user)
        scope = Community.ministry_id.is_(None)
        if ministry is not None:
            scope = or_(scope, Community.ministry_id == ministry)
        listed = and_(listed, scope)
    return or_(member, listed)


def readable_community_ids(user: User | None):
    """A SELECT of the ids of the communities whose content this user may read."""
    from communities.models import Community, Membership

    if not _active(user):
        return select(Community.id).where(false())
    member = Community.id.in_(select(Membership.community_id).where(Membership.user_id == user.id))
    if user.has_role("admin"):
        others = Community.visibility.in_(("open", "restricted"))
    else:
        ministry = ministry_of(user)
        scope = Community.ministry_id.is_(None)
        if ministry is not None:
            scope = or_(scope, Community.ministry_id == ministry)
        others = and_(Community.visibility == "open", scope)
    return select(Community.id).where(or_(member, others))


# Posts and comments -----------------------------------------------------------------------------


def can_read_post(user: User | None, post: Post) -> bool:
    return post.deleted_at is None and can_read_community(user, post.community)


def readable_community_list(user: User | None) -> list[int]:
    """The ids of the communities whose content this user may read, read from the database now.

    For a service that asks several statements in one request (the desk counts): it reads this
    once and hands it to ``readable_posts``. The next request reads it again, so a person who has
    just left a community no longer reads it there.
    """
    if not _active(user):
        return []
    return list(db.session.scalars(readable_community_ids(user)))


def readable_posts(user: User | None, community_ids: list[int] | None = None):
    """SQL condition on ``Post``: the posts this user may read.

    ``community_ids``, when given, is ``readable_community_list(user)`` read earlier in the same
    request: PostgreSQL plans and runs a list of constants faster than the subquery, which counts
    when one request asks five statements.
    """
    if not _active(user):
        return false()
    return readable_posts_in(readable_community_ids(user) if community_ids is None else community_ids)


def readable_posts_in(community_ids):
    """SQL condition on ``Post``: what ``readable_posts`` keeps, given the ids (or a bound
    parameter standing for them) that ``readable_community_ids`` gave for the reader, in the same
    transaction: a search has read them already, and need not ask again for its page's hits."""
    from feed.models import Post

    return and_(Post.deleted_at.is_(None), _among(Post.community_id, community_ids))


def _among(column, ids):
    """``column IN ids``; a list of ids goes to PostgreSQL as one array, ``= ANY(:ids)``: the
    statement's text then stays the same whatever the number of ids (parsed and prepared once per
    connection) instead of carrying one placeholder per id."""
    if isinstance(ids, list | tuple) and db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def readable_posts_for_each(people: list[User], person_id):
    """SQL condition on ``Post`` for a query over many people at once (grouped counts).

    ``person_id`` is the column naming, on each row, the person the row is about (such as
    ``PostRecipient.user_id``); the row is kept when that person is one of ``people`` and may read
    the post, exactly as ``readable_posts(person)`` would say. Roles and ministries are read from
    ``people`` here; memberships are checked in SQL, row by row.
    """
    from communities.models import Community, Membership
    from feed.models import Post

    active = [person for person in people if _active(person)]
    if not active:
        return false()
    by_ministry: dict[int | None, list[int]] = {}
    admins = []
    for person in active:
        if person.has_role("admin"):
            admins.append(person.id)
        else:
            by_ministry.setdefault(ministry_of(person), []).append(person.id)
    open_ids = select(Community.id).where(Community.visibility == "open")
    readable = [
        exists().where(Membership.user_id == person_id, Membership.community_id == Post.community_id),
        # Open and inter-ministerial: every active person.
        Post.community_id.in_(open_ids.where(Community.ministry_id.is_(None))),
    ]
    for ministry, ids in by_ministry.items():
        if ministry is not None:
            in_ministry = open_ids.where(Community.ministry_id == ministry)
            readable.append(and_(person_id.in_(ids), Post.community_id.in_(in_ministry)))
    if admins:
        unsecret = select(Community.id).where(Community.visibility.in_(("open", "restricted")))
        readable.append(and_(person_id.in_(admins), Post.community_id.in_(unsecret)))
    return and_(Post.deleted_at.is_(None), person_id.in_([person.id for person in active]), or_(*readable))


def readable_tallies(user: User | None):
    """SQL condition on ``RecipientTally``: the tallies of posts this user may read (a deleted
    post has none left)."""
    from feed.models import RecipientTally

    if not _active(user):
        return false()
    return RecipientTally.community_id.in_(readable_community_ids(user))


def can_edit_post(user: User | None, post: Post) -> bool:
    """Change the text, tags, qualification, priority and addressees: the author or an animator."""
    if not can_read_post(user, post):
        return False
    return post.author_id == user.id or is_animator(user, post.community)


def can_delete_post(user: User | None, post: Post) -> bool:
    if not can_read_post(user, post):
        return False
    return post.author_id == user.id or is_animator(user, post.community) or user.has_role("admin")


def can_see_receipts(user: User | None, post: Post) -> bool:
    return can_edit_post(user, post)


def can_comment(user: User | None, post: Post) -> bool:
    return can_read_post(user, post) and can_contribute(user, post.community)


def can_read_comment(user: User | None, comment: Comment, post: Post) -> bool:
    return comment.deleted_at is None and can_read_post(user, post)


def can_edit_comment(user: User | None, comment: Comment, post: Post) -> bool:
    return can_read_comment(user, comment, post) and comment.author_id == user.id


def can_delete_comment(user: User | None, comment: Comment, post: Post) -> bool:
    if not can_read_comment(user, comment, post):
        return False
    return comment.author_id == user.id or is_animator(user, post.community) or user.has_role("admin")


def readers_of_community(community: Community):
    """SQL condition on ``User``: the active people who may read this community.

    The counterpart of ``can_read_community`` for many users at once (addressee expansion).
    """
    from communities.models import Membership
    from rse.accounts.models import User, UserRole
    from rse.units.models import Unit

    members = User.id.in_(select(Membership.user_id).where(Membership.community_id == community.id))
    readers = [members]
    if community.visibility != "secret":
        readers.append(User.id.in_(select(UserRole.user_id).where(UserRole.role == "admin")))
    if community.visibility == "open":
        if community.ministry_id is None:
            readers.append(User.id.is_not(None))
        else:
            readers.append(User.unit_id.in_(select(Unit.id).where(Unit.ministry_id == community.ministry_id)))
    return and_(User.active.is_(True), or_(*readers))


# Portal and curation ----------------------------------------------------------------------------


def can_read_portal(user: User | None) -> bool:
    return _active(user)


def can_curate(user: User | None) -> bool:
    """Publish, edit, pin, reorder and unpublish portal items; manage sections; decline proposals."""
    return _active(user) and user.has_role("curator")


def portal_item_is_live(item: PortalItem, now=None) -> bool:
    now = now or utcnow()
    return (
        item.unpublished_at is None
        and item.published_at <= now
        and (item.ends_at is None or item.ends_at > now)
    )


def can_read_portal_item(user: User | None, item: PortalItem) -> bool:
    """Live items for every reader; scheduled and ended ones for curators only."""
    if not can_read_portal(user) or item.unpublished_at is not None:
        return False
    return portal_item_is_live(item) or can_curate(user)


def readable_portal_items(user: User | None, now=None):
    """SQL condition on ``PortalItem``: the items this user may read."""
    from portal.models import PortalItem

    if not can_read_portal(user):
        return false()
    condition = PortalItem.unpublished_at.is_(None)
    if can_curate(user):
        return condition
    now = now or utcnow()
    return and_(
        condition,
        PortalItem.published_at <= now,
        or_(PortalItem.ends_at.is_(None), PortalItem.ends_at > now),
    )


def can_comment_portal_item(user: User | None, item: PortalItem) -> bool:
    """Comment and react: every reader of the item, whatever their communities."""
    return can_read_portal_item(user, item)


def can_delete_portal_comment(user: User | None, comment: PortalComment, item: PortalItem) -> bool:
    if comment.deleted_at is not None or not can_read_portal_item(user, item):
        return False
    return comment.author_id == user.id or can_curate(user) or user.has_role("admin")


def can_see_portal_source(user: User | None, item: PortalItem) -> bool:
    """The link back to the source thread: only for those who may read the source post."""
    return can_read_post(user, item.post)


def can_see_portal_history(user: User | None, item: PortalItem) -> bool:
    return can_curate(user) and item.unpublished_at is None


def can_propose(user: User | None, post: Post) -> bool:
    """Any member of the post's community (animators included) may propose it for the portal."""
    return can_read_post(user, post) and membership_role(user, post.community) is not None


def can_know_proposal(user: User | None, proposal: CurationProposal) -> bool:
    """Curators work on every proposal; readers of the post know the proposals made of it."""
    return can_curate(user) or can_read_post(user, proposal.post)


def can_approve_proposal(user: User | None, proposal: CurationProposal) -> bool:
    """Only an animator of the source community lets its content reach the portal."""
    return proposal.post.deleted_at is None and is_animator(user, proposal.post.community)


def can_see_proposal_post(user: User | None, proposal: CurationProposal) -> bool:
    """Curators see a proposed post of a restricted or secret community once an animator approved."""
    if can_read_post(user, proposal.post):
        return True
    return (
        can_curate(user)
        and proposal.post.deleted_at is None
        and (not proposal.needs_approval or proposal.approved_at is not None)
    )


def approvable_community_ids(user: User | None):
    """A SELECT of the ids of the communities whose proposals this user may approve."""
    from communities.models import Community, Membership

    if not _active(user):
        return select(Community.id).where(false())
    return select(Membership.community_id).where(Membership.user_id == user.id, Membership.role == "animator")


def can_publish_post(user: User | None, post: Post, proposed: bool) -> bool:
    """A curator publishes a post they may read, or one a member proposed to the curators."""
    return can_curate(user) and post.deleted_at is None and (proposed or can_read_post(user, post))


def needs_animator_approval(post: Post) -> bool:
    """Content of a restricted or secret community reaches the portal only with an animator's yes."""
    return post.community.visibility != "open"


# Statistics -------------------------------------------------------------------------------------


def can_see_post_stats(user: User | None, post: Post) -> bool:
    """Views, readers, reading time, comments and reactions of a post: the curators (for the posts
    they read) and the animators of its community. Authors are not told who read them."""
    return can_read_post(user, post) and (can_curate(user) or is_animator(user, post.community))


def can_see_community_stats(user: User | None, community: Community) -> bool:
    """A community's figures and vitality over time: its animators."""
    return can_animate(user, community)


def can_see_portal_stats(user: User | None) -> bool:
    """The portal's figures, item by item: the curators."""
    return can_curate(user)


# Saved searches (veille) ------------------------------------------------------------------------


def can_see_saved_search(user: User | None, saved: SavedSearch) -> bool:
    """A saved search, its matches and its alerts are its owner's alone (others get a 404)."""
    return _active(user) and saved.user_id == user.id


def readable_saved_searches(user: User | None):
    """SQL condition on ``SavedSearch``: the caller's own."""
    from search.models import SavedSearch

    if not _active(user):
        return false()
    return SavedSearch.user_id == user.id
