"""onewindow: tickets, calls, displays and keypads for a one-window service hall."""

__version__ = "0.1.0"
