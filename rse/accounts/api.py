from flask_login import current_user
from sqlalchemy import or_, select

from rse.accounts import services
from rse.accounts.models import User
from rse.accounts.schemas import (
    MeSchema,
    MeUpdateSchema,
    NewTokenSchema,
    PasswordChangeSchema,
    TokenCreateSchema,
    TokenSchema,
    UserListArgs,
    UserSummarySchema,
)
from rse.api import ApiBlueprint, keyset_page, page_schema
from rse.db_types import contains_pattern
from rse.extensions import db

blp = ApiBlueprint("accounts", __name__, url_prefix="/api/v1", description="The caller and users")


@blp.get("/me")
@blp.response(200, MeSchema)
def get_me():
    return current_user


@blp.patch("/me")
@blp.arguments(MeUpdateSchema)
@blp.response(200, MeSchema)
def update_me(changes):
    if "locale" in changes:
        services.set_locale(current_user, changes["locale"])
    if "name" in changes:
        current_user.name = changes["name"].strip()
    db.session.commit()
    return current_user


@blp.post("/me/password")
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(payload):
    services.change_password(current_user, payload["current_password"], payload["new_password"])
    db.session.commit()


@blp.get("/me/tokens")
@blp.response(200, page_schema(TokenSchema))
def list_tokens():
    return {"items": services.list_tokens(current_user), "next": None}


@blp.post("/me/tokens")
@blp.arguments(TokenCreateSchema)
@blp.response(201, NewTokenSchema)
def create_token(payload):
    token, secret = services.create_token(current_user, payload.get("name"))
    db.session.commit()
    return {"id": token.id, "name": token.name, "created_at": token.created_at, "token": secret}


@blp.delete("/me/tokens/<int:token_id>")
@blp.response(204)
def revoke_token(token_id):
    services.revoke_token(current_user, token_id)
    db.session.commit()


@blp.get("/users")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, page_schema(UserSummarySchema))
def list_users(args):
    """Active users, for addressee pickers; ``q`` matches the name or the e-mail."""
    stmt = select(User).where(User.active.is_(True))
    if args["q"]:
        pattern = contains_pattern(args["q"].lower())
        stmt = stmt.where(or_(User.name.ilike(pattern, escape="\\"), User.email.like(pattern, escape="\\")))
    return keyset_page(
        stmt,
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[User.name, User.id],
        key_of=lambda user: (user.name, user.id),
        descending=False,
    )
