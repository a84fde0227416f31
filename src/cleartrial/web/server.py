"""Entry point for uvicorn worker processes (``cleartrial serve``): the app for $CLEARTRIAL_DB."""

from __future__ import annotations

import logging
import os

from .app import create_app


def app_from_env():
    logging.getLogger("cleartrial.web").setLevel(logging.INFO)
    return create_app(os.environ.get("CLEARTRIAL_DB", "cleartrial.db"))
