"""The risk heat map as a picture: likelihood up the side, impact along the bottom, each cell in
its band's colour with the number of risks assessed there (PNG, drawn with Pillow).

Pillow is imported only here, when a report with a risk register is written, so commands that
never draw one (and a plan without risks) do not load it.
"""

from __future__ import annotations

import io
from collections import Counter

from xlplan.plan.model import RiskRules
from xlplan.reports.docx_tables import FILLS

CELL = 150          # pixels a cell (drawn at twice the size it prints, for a sharp picture)
TEXT = (38, 38, 38)
GRID = (255, 255, 255)


def counts(risks) -> Counter:
    """(likelihood, impact) → how many of `risks` (RiskResults) were assessed there."""
    return Counter((r.likelihood, r.impact) for r in risks if r.likelihood is not None and r.impact is not None)


def heat_map_png(risks, rules: RiskRules, title: str = "") -> bytes:
    """The heat map of `risks` under `rules` as PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont

    n = len(rules.levels)
    found = counts(risks)
    font = ImageFont.load_default(size=30)
    small = ImageFont.load_default(size=22)
    big = ImageFont.load_default(size=56)
    left, top, bottom = 150, 70 if title else 20, 190
    width, height = left + n * CELL + 30, top + n * CELL + bottom
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((left, 18), title, fill=TEXT, font=font)
    for i, likelihood in enumerate(reversed(rules.levels)):
        y = top + i * CELL
        draw.text((left - 22, y + CELL / 2), str(likelihood), fill=TEXT, font=font, anchor="rm")
        for j, impact in enumerate(rules.levels):
            x = left + j * CELL
            score = likelihood * impact
            draw.rectangle([x, y, x + CELL, y + CELL], fill=_fill(rules.band(score)), outline=GRID, width=4)
            draw.text((x + 10, y + 8), str(score), fill=(90, 90, 90), font=small)
            count = found.get((likelihood, impact), 0)
            if count:
                draw.text((x + CELL / 2, y + CELL / 2 + 6), str(count), fill=TEXT, font=big, anchor="mm",
                          stroke_width=1, stroke_fill=TEXT)
    for j, impact in enumerate(rules.levels):
        draw.text((left + j * CELL + CELL / 2, top + n * CELL + 14), str(impact), fill=TEXT, font=font, anchor="mt")
    draw.text((left + n * CELL / 2, top + n * CELL + 56), "Impact", fill=TEXT, font=font, anchor="mt")
    label = Image.new("RGB", (n * CELL, 44), "white")
    ImageDraw.Draw(label).text((n * CELL / 2, 4), "Likelihood", fill=TEXT, font=font, anchor="mt")
    img.paste(label.rotate(90, expand=True), (18, top))
    x = left
    for band in rules.bands:
        draw.rectangle([x, height - 62, x + 34, height - 28], fill=_fill(band.word), outline=(120, 120, 120))
        text = f"{band.word} {band.low}-{band.high}" if band.low != band.high else f"{band.word} {band.low}"
        draw.text((x + 44, height - 45), text, fill=TEXT, font=font, anchor="lm")
        x += 44 + int(draw.textlength(text, font=font)) + 40
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _fill(word: str | None) -> tuple[int, int, int]:
    """The band's report colour (the tables' RAG fills), or light grey for none."""
    code = FILLS.get(word or "", "EDEDED")
    return tuple(int(code[i:i + 2], 16) for i in (0, 2, 4))


def describe(risks, rules: RiskRules) -> str:
    """The heat map in words (the picture's alternative text): how many risks in each band."""
    found = counts(risks)
    total = sum(found.values())
    by_band = Counter()
    for (likelihood, impact), k in found.items():
        by_band[rules.band(likelihood * impact) or "no band"] += k
    parts = [f"{by_band[b.word]} {b.word}" for b in sorted(rules.bands, key=lambda b: -b.low) if by_band[b.word]]
    return (f"Risk heat map: {total} risk{'s' if total != 1 else ''} assessed by likelihood (1 to {rules.high}, "
            f"up the side) and impact (along the bottom): " + (", ".join(parts) or "none") + ".")
