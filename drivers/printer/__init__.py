"""printer drivers."""
