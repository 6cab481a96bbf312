"""Importers: everything that brings papers and curated data into the store."""
