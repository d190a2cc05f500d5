"""The audit log: one tamper-evident chain of every state change."""
