"""A/B tests of boost strategies: create, assign boosts, record results, analyse, conclude."""
