"""Probes: yes/no questions over a repository snapshot or a live endpoint."""
