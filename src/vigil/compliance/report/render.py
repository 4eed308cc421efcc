"""HTML (Jinja, templates shipped in the package) -> PDF (WeasyPrint)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from vigil.compliance.gate import format_value
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


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` as PDF; fonts are subset and embedded so the file renders the same anywhere."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=None).write_pdf(pdf_identifier=None, uncompressed_pdf=False)
