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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, false, or_, select

from rse.extensions import db

if TYPE_CHECKING:
    from communities.models import Community
    from feed.models import Comment, Post
    from rse.accounts.models import User


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


def readable_posts(user: User | None):
    """SQL condition on ``Post``: the posts this user may read."""
    from feed.models import Post

    if not _active(user):
        return false()
    return and_(Post.deleted_at.is_(None), Post.community_id.in_(readable_community_ids(user)))


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
