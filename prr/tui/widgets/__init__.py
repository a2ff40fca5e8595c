"""The review screen's parts, one per module."""
