"""The hall simulator: days of citizens on a virtual clock through the core's own rules (`onewindow simulate`)."""
