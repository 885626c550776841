"""Boost tracking (an organic post promoted through a paid campaign) and its performance snapshots."""
