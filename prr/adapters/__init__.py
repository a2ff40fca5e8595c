"""Adapters: the only code that touches files, git, the network and external tools."""
