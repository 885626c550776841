"""Learning: training data, the outcome model, recommendations and the loop back from applied boosts."""
