"""Touchpoint events and attribution of conversions to organic, paid and overlap."""
