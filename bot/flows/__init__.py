"""What several listeners and jobs do alike: record and report, publish a Home, move a
referral, announce a session. Plain functions over services, the domain and bot/slack."""
