"""Tables, migrations and the domain rules that own them (no Slack imports here)."""
