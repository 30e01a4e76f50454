"""The Risks sheet of a return template: the service's risks from the plan's register, for the
owner's current assessment (a contract between templates, which write it, and collect, which
reads it).

One row per risk: its Code, Risk, Description, Owner, Target score and the previous assessment
(likelihood, impact and score: the latest stored before this quarter, else the plan's), all
locked and covered by the row digest of the identity sheet, beside three yellow cells: the
current Likelihood and Impact (whole numbers on the plan's Risk scale) and Commentary; the score
and band are calculated as the owner types. A plan without a register has no such sheet.
"""

from __future__ import annotations

RISKS_SHEET = "Risks"
LIKELIHOOD = "Likelihood"
IMPACT = "Impact"
COMMENTARY = "Commentary"
SCORE = "Score (calculated)"
BAND = "Band (calculated)"
PREVIOUS = ["Previous likelihood", "Previous impact", "Previous score"]
LOCKED = ["Code", "Risk", "Description", "Owner", "Target score", *PREVIOUS]
INPUTS = [LIKELIHOOD, IMPACT, COMMENTARY]


def headers() -> list[str]:
    """The Risks sheet's header row."""
    return [*LOCKED, LIKELIHOOD, IMPACT, SCORE, BAND, COMMENTARY]


def hashed_columns() -> list[str]:
    """The columns a Risks row's digest covers: the locked ones (not the inputs, nor the formulas)."""
    return list(LOCKED)
