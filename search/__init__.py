"""Full-text search: document model, backends and the index writer."""
