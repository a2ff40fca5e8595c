"""Workflow: what a user does, as functions both faces (TUI and CLI) call."""
