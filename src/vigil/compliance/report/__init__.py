"""The PDF compliance report: context from the reports, SVG charts, Jinja templates, WeasyPrint."""
