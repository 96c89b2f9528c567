"""Community rules and state changes: creation, settings, joining, leaving, members, requests."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select, update

from communities.models import VISIBILITIES, Community, JoinRequest, Membership
from rse import events, permissions
from rse.accounts.models import User
from rse.db_types import contains_pattern, utcnow
from rse.errors import Conflict, Forbidden, Invalid, NotFound, _l
from rse.extensions import db
from rse.units.models import Unit

UNSET = object()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "communaute"


def get_known_or_404(user: User, community_id: int) -> Community:
    """The community if it exists for this user; otherwise exactly what a missing id gives."""
    community = db.session.get(Community, community_id)
    if community is None or not permissions.can_know_community(user, community):
        raise NotFound()
    return community


def require_readable(user: User, community: Community) -> None:
    if not permissions.can_read_community(user, community):
        raise Forbidden("Only members may see the content of this community.")


def require_animator(user: User, community: Community) -> None:
    if not permissions.can_animate(user, community):
        raise Forbidden("Only the community's animators may do this.")


def known_communities_query(
    user: User, *, visibility: str | None = None, member: bool | None = None, q: str | None = None
):
    stmt = select(Community).where(permissions.known_communities(user))
    if visibility:
        stmt = stmt.where(Community.visibility == visibility)
    my_ids = select(Membership.community_id).where(Membership.user_id == user.id)
    if member is True:
        stmt = stmt.where(Community.id.in_(my_ids))
    elif member is False:
        stmt = stmt.where(Community.id.not_in(my_ids))
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(
            Community.name.ilike(pattern, escape="\\") | Community.description.ilike(pattern, escape="\\")
        )
    return stmt


def _check_ministry(user: User, ministry_id) -> int | None:
    if ministry_id is UNSET:
        return permissions.ministry_of(user)
    if ministry_id is None:
        return None
    unit = db.session.get(Unit, ministry_id)
    if unit is None or unit.parent_id is not None:
        raise Invalid("Unknown ministry.", {"ministry_id": ["Not the id of a ministry."]})
    if ministry_id != permissions.ministry_of(user) and not user.has_role("admin"):
        raise Invalid(
            "A community belongs to your own ministry or is inter-ministerial.",
            {"ministry_id": ["Your own ministry, or null for inter-ministerial."]},
        )
    return ministry_id


def create_community(
    user: User,
    *,
    name: str,
    visibility: str,
    description: str = "",
    slug: str | None = None,
    ministry_id=UNSET,
) -> Community:
    errors: dict[str, list[str]] = {}
    if visibility not in VISIBILITIES:
        errors["visibility"] = [f"One of {', '.join(VISIBILITIES)}."]
    slug = slugify(slug or name)
    if db.session.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        errors["slug" if slug else "name"] = [_l("Another community already uses this address.")]
    if errors:
        raise Invalid("The community cannot be created.", errors)
    community = Community(
        name=name.strip(),
        slug=slug,
        description=description.strip(),
        visibility=visibility,
        ministry_id=_check_ministry(user, ministry_id),
        created_by_id=user.id,
        member_count=1,
    )
    db.session.add(community)
    db.session.flush()
    db.session.add(Membership(community_id=community.id, user_id=user.id, role="animator"))
    db.session.flush()
    permissions.forget_memberships(user)
    return community


def update_community(user: User, community: Community, changes: dict) -> Community:
    require_animator(user, community)
    if "visibility" in changes and changes["visibility"] not in VISIBILITIES:
        raise Invalid("Unknown visibility.", {"visibility": [f"One of {', '.join(VISIBILITIES)}."]})
    if "name" in changes and changes["name"].strip() != community.name:
        from search.outbox import enqueue as enqueue_for_search

        enqueue_for_search("community", community.id)  # its posts' documents carry the name
    for field in ("name", "description", "visibility"):
        if field in changes:
            setattr(community, field, changes[field].strip() if field != "visibility" else changes[field])
    return community


def _membership(community: Community, user_id: int) -> Membership | None:
    return db.session.get(Membership, (community.id, user_id))


def _pending_request(community: Community, user_id: int) -> JoinRequest | None:
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.community_id == community.id,
            JoinRequest.user_id == user_id,
            JoinRequest.status == "pending",
        )
    )


def my_request_status(user: User, community: Community) -> str | None:
    return "pending" if _pending_request(community, user.id) is not None else None


def communities_with_pending_request(user: User, community_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(JoinRequest.community_id).where(
                JoinRequest.user_id == user.id,
                JoinRequest.status == "pending",
                JoinRequest.community_id.in_(community_ids),
            )
        )
    )


def _add_membership(community: Community, user_id: int, role: str = "member") -> Membership:
    membership = Membership(community_id=community.id, user_id=user_id, role=role, joined_at=utcnow())
    db.session.add(membership)
    db.session.execute(
        update(Community).where(Community.id == community.id).values(member_count=Community.member_count + 1)
    )
    db.session.flush()
    db.session.refresh(community, ["member_count"])
    events.access_changed(user_id)  # reconnects with the new community's room
    return membership


def join(user: User, community: Community) -> str:
    """``"member"`` for an open community, ``"pending"`` for a restricted one."""
    if permissions.membership_role(user, community) is not None:
        return "member"
    if not permissions.can_join(user, community):
        # Only someone who may know the community gets here (see get_known_or_404).
        raise Forbidden("This community is joined by its own ministry's agents or by invitation.")
    if community.visibility == "open":
        _add_membership(community, user.id)
        permissions.forget_memberships(user)
        return "member"
    if _pending_request(community, user.id) is None:
        db.session.add(JoinRequest(community_id=community.id, user_id=user.id, created_at=utcnow()))
        db.session.flush()
    return "pending"


def _animator_count(community: Community) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.community_id == community.id, Membership.role == "animator")
    )


def _remove_membership(community: Community, membership: Membership) -> None:
    if membership.role == "animator" and _animator_count(community) <= 1:
        raise Conflict(_l("A community keeps at least one animator: name another one first."))
    db.session.delete(membership)
    events.access_changed(membership.user_id)
    db.session.execute(
        update(Community).where(Community.id == community.id).values(member_count=Community.member_count - 1)
    )
    db.session.flush()
    db.session.refresh(community, ["member_count"])


def leave(user: User, community: Community) -> None:
    membership = _membership(community, user.id)
    if membership is None:
        pending = _pending_request(community, user.id)
        if pending is None:
            raise Conflict(_l("You are not a member of this community."))
        pending.status = "declined"  # withdrawing a request
        pending.decided_at = utcnow()
        pending.decided_by_id = user.id
        return
    _remove_membership(community, membership)
    permissions.forget_memberships(user)


def members_query(user: User, community: Community):
    require_readable(user, community)
    return select(Membership).where(Membership.community_id == community.id)


def add_member(
    user: User, community: Community, user_id: int, role: str = "member"
) -> tuple[Membership, bool]:
    """Add someone at once (invitation), or approve their pending request.

    Returns the membership and whether it approved a request.
    """
    require_animator(user, community)
    target = db.session.get(User, user_id)
    if target is None or not target.active:
        raise Invalid("Unknown user.", {"user_id": [_l("No active user with this id.")]})
    existing = _membership(community, user_id)
    if existing is not None:
        raise Conflict(_l("This person is already a member."))
    pending = _pending_request(community, user_id)
    membership = _add_membership(community, user_id, role)
    if pending is not None:
        pending.status = "approved"
        pending.decided_by_id = user.id
        pending.decided_at = utcnow()
    return membership, pending is not None


def change_member_role(user: User, community: Community, user_id: int, role: str) -> Membership:
    require_animator(user, community)
    membership = _membership(community, user_id)
    if membership is None:
        raise NotFound()
    if membership.role == "animator" and role != "animator" and _animator_count(community) <= 1:
        raise Conflict(_l("A community keeps at least one animator: name another one first."))
    membership.role = role
    permissions.forget_memberships(user)
    return membership


def remove_member(user: User, community: Community, user_id: int) -> None:
    if user_id != user.id:
        require_animator(user, community)
    membership = _membership(community, user_id)
    if membership is None:
        raise NotFound()
    _remove_membership(community, membership)
    permissions.forget_memberships(user)


def pending_requests_query(user: User, community: Community):
    require_animator(user, community)
    return select(JoinRequest).where(
        JoinRequest.community_id == community.id, JoinRequest.status == "pending"
    )


def decline_request(user: User, community: Community, request_id: int) -> JoinRequest:
    require_animator(user, community)
    request = db.session.get(JoinRequest, request_id)
    if request is None or request.community_id != community.id or request.status != "pending":
        raise NotFound()
    request.status = "declined"
    request.decided_by_id = user.id
    request.decided_at = utcnow()
    return request
