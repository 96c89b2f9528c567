from flask_login import current_user
from sqlalchemy import func

from communities import services
from communities.models import Community, JoinRequest, Membership
from communities.schemas import (
    CommunityCreateSchema,
    CommunityListArgs,
    CommunitySchema,
    CommunityUpdateSchema,
    JoinRequestSchema,
    JoinStatusSchema,
    MemberAddSchema,
    MemberRoleSchema,
    MemberSchema,
)
from rse import permissions
from rse.accounts.models import User
from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.extensions import db

blp = ApiBlueprint(
    "communities", __name__, url_prefix="/api/v1/communities", description="Communities and members"
)


def present(community: Community) -> dict:
    return present_many([community])[0]


def present_many(communities: list[Community]) -> list[dict]:
    pending = services.communities_with_pending_request(
        current_user, [community.id for community in communities]
    )
    return [
        {
            "id": community.id,
            "slug": community.slug,
            "name": community.name,
            "description": community.description,
            "visibility": community.visibility,
            "ministry_id": community.ministry_id,
            "member_count": community.member_count,
            "my_role": permissions.membership_role(current_user, community),
            "my_request": "pending" if community.id in pending else None,
            "created_at": community.created_at,
        }
        for community in communities
    ]


@blp.get("")
@blp.arguments(CommunityListArgs, location="query")
@blp.response(200, page_schema(CommunitySchema))
def list_communities(args):
    """Communities that exist for the caller, by name."""
    stmt = services.known_communities_query(
        current_user, visibility=args["visibility"], member=args["member"], q=args["q"]
    )
    page = keyset_page(
        stmt,
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[func.lower(Community.name), Community.id],
        key_of=lambda community: (community.name.lower(), community.id),
        descending=False,
    )
    return {"items": present_many(page["items"]), "next": page["next"]}


@blp.post("")
@blp.arguments(CommunityCreateSchema)
@blp.response(201, CommunitySchema)
def create_community(payload):
    community = services.create_community(
        current_user,
        name=payload["name"],
        slug=payload.get("slug"),
        description=payload["description"],
        visibility=payload["visibility"],
        ministry_id=payload.get("ministry_id", services.UNSET),
    )
    db.session.commit()
    return present(community)


@blp.get("/<int:community_id>")
@blp.response(200, CommunitySchema)
def get_community(community_id):
    return present(services.get_known_or_404(current_user, community_id))


@blp.patch("/<int:community_id>")
@blp.arguments(CommunityUpdateSchema)
@blp.response(200, CommunitySchema)
def update_community(changes, community_id):
    community = services.get_known_or_404(current_user, community_id)
    services.update_community(current_user, community, changes)
    db.session.commit()
    return present(community)


@blp.post("/<int:community_id>/join")
@blp.response(200, JoinStatusSchema)
@blp.alt_response(202, schema=JoinStatusSchema, description="A request awaits an animator")
def join_community(community_id):
    community = services.get_known_or_404(current_user, community_id)
    status = services.join(current_user, community)
    db.session.commit()
    return {"status": status}, 200 if status == "member" else 202


@blp.post("/<int:community_id>/leave")
@blp.response(200, JoinStatusSchema)
def leave_community(community_id):
    community = services.get_known_or_404(current_user, community_id)
    services.leave(current_user, community)
    db.session.commit()
    return {"status": "left"}


@blp.get("/<int:community_id>/members")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(MemberSchema))
def list_members(args, community_id):
    community = services.get_known_or_404(current_user, community_id)
    stmt = services.members_query(current_user, community).join(User, User.id == Membership.user_id)
    return keyset_page(
        stmt,
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[User.name, User.id],
        key_of=lambda membership: (membership.user.name, membership.user_id),
        descending=False,
    )


@blp.post("/<int:community_id>/members")
@blp.arguments(MemberAddSchema)
@blp.response(201, MemberSchema)
@blp.alt_response(200, schema=MemberSchema, description="A pending request was approved")
def add_member(payload, community_id):
    community = services.get_known_or_404(current_user, community_id)
    membership, approved = services.add_member(current_user, community, payload["user_id"], payload["role"])
    db.session.commit()
    return membership, 200 if approved else 201


@blp.patch("/<int:community_id>/members/<int:user_id>")
@blp.arguments(MemberRoleSchema)
@blp.response(200, MemberSchema)
def change_member_role(payload, community_id, user_id):
    community = services.get_known_or_404(current_user, community_id)
    membership = services.change_member_role(current_user, community, user_id, payload["role"])
    db.session.commit()
    return membership


@blp.delete("/<int:community_id>/members/<int:user_id>")
@blp.response(204)
def remove_member(community_id, user_id):
    community = services.get_known_or_404(current_user, community_id)
    services.remove_member(current_user, community, user_id)
    db.session.commit()


@blp.get("/<int:community_id>/requests")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(JoinRequestSchema))
def list_requests(args, community_id):
    community = services.get_known_or_404(current_user, community_id)
    return keyset_page(
        services.pending_requests_query(current_user, community),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[JoinRequest.id],
        key_of=lambda request: (request.id,),
        descending=False,
    )


@blp.post("/<int:community_id>/requests/<int:request_id>/decline")
@blp.response(200, JoinRequestSchema)
def decline_request(community_id, request_id):
    community = services.get_known_or_404(current_user, community_id)
    request = services.decline_request(current_user, community, request_id)
    db.session.commit()
    return request
