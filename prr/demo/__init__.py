"""The example service `prr demo` reviews: a small repository with some evidence present
and some missing, and a live health and metrics endpoint served in-process, so a first
run shows passes, failures and open items without touching a real service."""
