"""Use cases of the learning domain (services never commit: the caller's scope does).

Jobs: ``build_training_data`` (weekly), ``train`` (after it), ``generate_recommendations`` (daily and on
demand), ``close_loop`` (daily). People: ``dismiss_recommendation``, ``apply_recommendation`` (ADMIN).
"""

from boostloop.server.learning.loop import calibration_report, close_loop
from boostloop.server.learning.recommendations import (
    apply_recommendation,
    dismiss_recommendation,
    generate_recommendations,
)
from boostloop.server.learning.training import current_model, train
from boostloop.server.learning.training_data import build_training_data

__all__ = [
    "apply_recommendation",
    "build_training_data",
    "calibration_report",
    "close_loop",
    "current_model",
    "dismiss_recommendation",
    "generate_recommendations",
    "train",
]
