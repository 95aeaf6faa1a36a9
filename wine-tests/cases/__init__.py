"""Scenario cases: functions of (ctx, **params), listed in wine-tests/scenarios.py."""
