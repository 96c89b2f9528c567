"""The portal: curated items from the communities, readable by everyone, and their curation."""
