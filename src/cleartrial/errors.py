"""Typed exceptions: every failure a caller can act on has its own class and a message a
person can read (the CLI and the web layer show ``str(error)`` as it is)."""

from __future__ import annotations


class CleartrialError(Exception):
    """Base class for every error cleartrial raises on purpose."""


class RecordError(CleartrialError):
    """A source record that cannot be turned into a Trial; it goes to quarantine with this
    message as the reason."""


class InvalidQuery(CleartrialError, ValueError):
    """A search request with a value we cannot use (unknown status, negative age…)."""


class UnknownPlace(InvalidQuery):
    """A location we could not find in the offline gazetteer."""


class SourceError(CleartrialError):
    """A file or directory we cannot read at all (missing, unknown format)."""


class CtgovAPIError(CleartrialError):
    """The ClinicalTrials.gov API refused a request or kept failing after retries."""

    def __init__(self, message: str, *, status_code: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.url = url


class NoNetwork(CtgovAPIError):
    """The API could not be reached at all (no internet, DNS failure, refused connection)."""


class FdaAPIError(CleartrialError):
    """openFDA refused a request or kept failing after retries."""

    def __init__(self, message: str, *, status_code: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.url = url


class FdaNoNetwork(FdaAPIError):
    """openFDA could not be reached at all (no internet, DNS failure, refused connection)."""


class FdaLimitReached(FdaAPIError):
    """This process has used up openFDA's daily request allowance (1,000 a day without a key)."""
