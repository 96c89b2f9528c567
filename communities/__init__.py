"""Communities: visibility, scope, memberships and join requests."""
