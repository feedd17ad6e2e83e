"""Pure functions from domain data to Block Kit dicts."""
