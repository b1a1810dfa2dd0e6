"""Operator tooling for the local stack (never deployed): a moto Cognito stand-in,
the pool it holds, and `chalice local` in front of it; and what the tests and the
bench share to run the app in-process (harness.py)."""
