"""Privacy: erase one person's events, opt a person out of later ingest (both by keyed hash)."""
