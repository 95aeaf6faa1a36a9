"""The scenario driver's library: platforms, the per-scenario context, the runner."""
