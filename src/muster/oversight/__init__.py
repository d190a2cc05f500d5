"""Oversight: fairness and error analytics, reports with plots, the campaign simulator."""
