"""led drivers."""
