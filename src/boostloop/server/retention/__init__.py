"""Data retention: roll old touchpoint events and snapshots up into daily aggregates and archive them."""
