"""Small HTML builders. Arguments named ``content`` or ``*_html`` are markup already; every other
text is escaped here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reporting.cockpit.format import esc


def attributes(**values) -> str:
    """`` data-kpi="otif_rate" class="num"`` from keywords (``_`` -> ``-``, ``class_`` -> ``class``;
    None and False left out)."""
    out = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(out)


def td(content: str = "", *, num: bool = False, class_: str | None = None, **values) -> str:
    classes = " ".join(c for c in ("num" if num else "", class_ or "") if c) or None
    return f"<td{attributes(class_=classes, **values)}>{content}</td>"


def tr(cells: Iterable[str], **values) -> str:
    return f"<tr{attributes(**values)}>{''.join(cells)}</tr>"


def table(
    headers: Sequence[tuple[str, bool]], rows: Iterable[str], *, sortable: bool = False, class_: str = "", footer_rows: Iterable[str] = (), **values
) -> str:
    """A data table: ``headers`` as (text, numeric) pairs, ``rows`` as ``<tr>`` markup."""
    head = "".join(f"<th{attributes(class_='num' if numeric else None, scope='col')}>{esc(text)}</th>" for text, numeric in headers)
    classes = " ".join(c for c in ("data", "sortable" if sortable else "", class_) if c)
    foot = "".join(footer_rows)
    foot = f"<tfoot>{foot}</tfoot>" if foot else ""
    return f'<div class="scroll"><table{attributes(class_=classes, **values)}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>{foot}</table></div>'


def empty(message: str) -> str:
    """The explicit "no data yet" box of an empty frame."""
    return f'<div class="empty" data-empty="true">{esc(message)}</div>'


def pill(text: str, kind: str = "") -> str:
    return f'<span class="pill {esc(kind)}">{esc(text)}</span>' if kind else f'<span class="pill">{esc(text)}</span>'


def card(content: str, **values) -> str:
    classes = " ".join(c for c in ("card", values.pop("class_", "")) if c)
    return f"<div{attributes(class_=classes, **values)}>{content}</div>"


def section(anchor: str, title: str, lead_html: str, content: str) -> str:
    lead = f'<p class="lead">{lead_html}</p>' if lead_html else ""
    return f'<section class="block" id="{esc(anchor)}" aria-labelledby="{esc(anchor)}-title"><h2 id="{esc(anchor)}-title">{esc(title)}</h2>{lead}{content}</section>'


def legend(items: Sequence[tuple[str, str, bool]]) -> str:
    """Chart legend: (label, colour, is_line) triples."""
    keys = "".join(f'<span><i class="{"line" if line else ""}" style="background:{esc(colour)}"></i>{esc(label)}</span>' for label, colour, line in items)
    return f'<div class="legend">{keys}</div>'
