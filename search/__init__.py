"""Full-text search: document model, backends, the outbox that keeps the index on committed data."""


def init_app(app) -> None:
    from search.backends import make_backend
    from search.outbox import install_hooks

    backend = make_backend(app)
    backend.ensure_index()
    app.extensions["rse_search"] = backend
    install_hooks()
