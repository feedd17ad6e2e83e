"""Slack-facing side of Everybody Sells: settings, app factory, Block Kit and the CLI."""
