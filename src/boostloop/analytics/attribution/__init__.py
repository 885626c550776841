"""Multi-touch attribution: pure models over a reduced path table, and the relational engines
(DuckDB in process, Spark at scale) that turn touchpoint events into that table.

>>> t = PathTable.build([["organic", "paid"], ["paid"]], conversions=[3, 1], value=[300, 50], nulls=[1, 4])
>>> attribute(t, "linear").conversions_by_channel()
{'organic': 1.5, 'paid': 2.5}
"""

from boostloop.analytics.attribution.models import (
    MODELS,
    attribute,
    first_touch,
    last_non_unknown,
    last_touch,
    linear,
    markov,
    position_based,
    shapley,
    time_decay,
)
from boostloop.analytics.attribution.paths import PathTable, TopPath, top_paths
from boostloop.analytics.attribution.results import AttributionResult, ChannelCredit

__all__ = [
    "MODELS", "AttributionResult", "ChannelCredit", "PathTable", "TopPath", "attribute", "first_touch",
    "last_non_unknown", "last_touch", "linear", "markov", "position_based", "shapley", "time_decay", "top_paths",
]
