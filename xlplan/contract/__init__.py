"""The contract between templates and collect: what a return template holds and where.

layout.py names the sheets, headers and input columns; identity.py the hidden, keyed identity
sheet that lets collect recognise a return whatever it was renamed to and prove its locked
cells unchanged. Templates write both; collect reads both; neither stage defines them.
"""

from xlplan.contract.identity import Identity, load_key

__all__ = ["Identity", "load_key"]
