"""Readers for prr's own file formats. Pure: they take bytes and return models or problems."""
