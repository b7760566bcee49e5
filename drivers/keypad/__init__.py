"""keypad drivers."""
