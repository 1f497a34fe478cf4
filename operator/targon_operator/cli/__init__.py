"""Command-line entry points: ``targon-operator`` and ``kubectl-targon``."""
