"""The appointment sheet as PDF, rendered by WeasyPrint from the sheet page.

WeasyPrint is imported on first use (it pulls in Pango through cffi), so a server without
those system libraries still serves every other page and says why the PDF is missing. Its
URL fetcher only reads this package's static files: a sheet never makes a network request.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from . import views
from .app import STATIC_DIR

_STATIC_PREFIX = "/static/"


def _fetcher():
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):
        """Reads files under ``static/`` and nothing else (no network, no other files)."""

        def fetch(self, url, headers=None):
            path = Path(url.removeprefix("file://")).resolve()
            if not url.startswith("file://") or not path.is_relative_to(STATIC_DIR.resolve()):
                raise ValueError(f"sheet rendering does not fetch {url}")
            return super().fetch(url, headers)

    return StaticOnly(allowed_protocols={"file"}, fail_on_errors=True)


def render_document(html: str):
    """The laid-out WeasyPrint document of a sheet page (tests count its pages)."""
    from weasyprint import HTML

    # Stylesheet links are "/static/…": resolve them inside the package.
    html = html.replace('href="/static/', f'href="file://{STATIC_DIR}/')
    return HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=_fetcher()).render()


def render_pdf(html: str) -> bytes:
    return render_document(html).write_pdf()


def sheet_pdf(request: Request, nct_id: str, near: str = "") -> Response:
    from .pages import _place, _trial_or_response, env

    trial, response = _trial_or_response(request, nct_id, "/sheet.pdf")
    if response is not None:
        return response
    page = views.trial_page(trial, place=_place(near))
    html = env.get_template("sheet.html").render(t=page, near=near, path=request.url.path)
    try:
        pdf = render_pdf(html)
    except OSError as exc:  # Pango/cairo libraries missing on this server
        return JSONResponse({"error": {"status": 503, "message": "PDF sheets are not available on this server "
                                       f"({exc}). The printable page works: /trials/{trial.nct_id}/sheet"}},
                            status_code=503)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{trial.nct_id}-appointment-sheet.pdf"',
        "Cache-Control": "no-store",
    })
