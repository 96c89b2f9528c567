"""Demo and scale worlds."""
