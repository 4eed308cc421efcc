"""HTML (Jinja, templates shipped in the package) -> PDF (WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from vigil.compliance.gate import format_value
from vigil.compliance.pdf_archive import WEASYPRINT_VARIANT, Attachment
from vigil.compliance.report.context import fmt, fmt_change, interval

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"


def _css_string(value: Any) -> Markup:
    """A quoted CSS string literal (for page-margin text built from report data)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    text = text.replace("<", "\\3c ").replace(">", "\\3e ")  # never close the <style> element
    return Markup(f'"{text}"')


@cache
def environment() -> Environment:
    """Jinja environment: autoescaping on (report text comes from data), undefined names are errors."""
    env = Environment(
        loader=PackageLoader("vigil.compliance.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt=fmt, fmt_change=fmt_change, pct=_pct, rulevalue=format_value, css_string=_css_string)
    env.globals.update(interval_of=interval)
    return env


def render_html(context: dict[str, Any]) -> str:
    """The report as one self-contained HTML document (styles inline, charts as inline SVG)."""
    css = resources.files("vigil.compliance.report").joinpath("templates", STYLESHEET).read_text("utf-8")
    return environment().get_template(TEMPLATE).render(css=css, **context)


def html_to_pdf(html: str, attachments: Sequence[Attachment] = (), created: dt.datetime | None = None) -> bytes:
    """Lay out ``html`` as PDF/A-3b with ``attachments`` embedded; fonts are subset and embedded.

    ``created`` stamps the attachments (else WeasyPrint uses the wall clock, and
    two renders of one run would differ).
    """
    import weasyprint

    files = [
        weasyprint.Attachment(
            file_obj=io.BytesIO(a.data),
            name=a.name,
            description=a.description,
            relationship=a.relationship,
            created=created,
            modified=created,
        )
        for a in attachments
    ]
    return weasyprint.HTML(string=html, base_url=None).write_pdf(
        pdf_identifier=None, uncompressed_pdf=False, pdf_variant=WEASYPRINT_VARIANT, attachments=files
    )
