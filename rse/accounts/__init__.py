"""Users, roles, passwords, browser sessions and personal API tokens."""
