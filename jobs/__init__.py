"""Scheduled jobs (clock in): each claims its period in the database before it acts."""
