"""The printable client report: summary, charts and history in one self-contained HTML file.

Every text from the data is escaped. The charts are static SVG (`dashboard.report_charts`), not
Plotly with plotly.js inlined: the file is tens of kilobytes instead of megabytes, opens at once,
works offline and prints from any browser.
"""

from __future__ import annotations

from datetime import datetime

from tracking.export import text
from tracking.i18n import formats, t

STYLE = """
body { font-family: system-ui, sans-serif; color: #1f2a2e; margin: 2rem auto; max-width: 60rem; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } .meta { color: #5b6b70; margin-top: 0; }
.summary { background: #eef2ef; padding: 0.8rem 1rem; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #d7dedb; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td.note { white-space: pre-wrap; }
figure.chart { margin: 1rem 0 1.5rem; }
.legend { font-size: 0.82rem; color: #3c4a4f; margin: 0.3rem 0 0; }
.legend-group { margin: 0.15rem 0; }
.key { display: inline-flex; align-items: center; gap: 0.2rem; margin-right: 0.8rem; }
.key svg { vertical-align: middle; }
@media print { body { margin: 0; max-width: none; } .chart { page-break-inside: avoid; } }
"""


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="note">{text(cell)}</td>' for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(*, client, coach_name: str, generated: datetime, summary: list[str], charts: list[str],
                flags: list[list], focus: list[list], observations: list[list], lang: str) -> str:
    """The report; `charts` is Koers' own SVG markup (escaped where it carries text), the rest is escaped here."""
    sections = [
        f"<h2>{text(t('report.flags', lang))}</h2>"
        + (_table([t("report.col.when", lang), t("report.col.flag", lang), t("report.col.status", lang),
                   t("report.col.evidence", lang)], flags) if flags else f"<p>{text(t('flags.none', lang))}</p>"),
        f"<h2>{text(t('report.focus', lang))}</h2>"
        + (_table([t("report.col.when", lang), t("report.col.focus", lang), t("report.col.note", lang)], focus)
           if focus else f"<p>{text(t('focus.none', lang))}</p>"),
    ]
    if observations:
        sections.append(f"<h2>{text(t('report.observations', lang))}</h2>"
                        + _table([t("report.col.day", lang), t("report.col.ratings", lang),
                                  t("report.col.observation", lang)], observations))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{text(t('report.title', lang, client=client.label))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>{text(client.label)}</h1>
<p class="meta">{text(t('report.meta', lang, coach=coach_name, date=formats.moment(generated, lang)))}</p>
<p class="summary">{text(" ".join(summary))}</p>
{"".join(charts)}
{"".join(sections)}
<p class="meta">{text(t('report.footer', lang))}</p>
</body></html>
"""
