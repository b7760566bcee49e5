"""The demo: the whole hall on one machine, real processes with simulated citizens and clerks (`onewindow demo`)."""
