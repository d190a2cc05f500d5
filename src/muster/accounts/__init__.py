"""Accounts: staff users with roles, citizens signing in with a one-time code, sessions."""
