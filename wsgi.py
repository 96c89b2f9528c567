"""WSGI entry point: ``flask --app wsgi ...`` or a WSGI server."""

from rse import create_app

app = create_app()
