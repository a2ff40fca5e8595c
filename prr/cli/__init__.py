"""The command-line face: thin click commands over the workflow functions."""
