"""pads drivers."""
