"""Adapters to national systems and the simulators that stand in for them in tests and demos."""
