"""Everything that talks to Slack's Web API: the client, sending, people and channels, failures."""
