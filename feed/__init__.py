"""Posts, comments, reactions, receipts, desk, selection, notifications and the portal."""
