"""Boostloop: feedback-loop analytics for boosted social posts."""

__version__ = "0.1.0"
