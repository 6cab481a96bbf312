"""lrmkb: a knowledge base of research on the mechanisms of large reasoning models."""

__version__ = "0.1.0"
