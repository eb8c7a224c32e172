"""storytrace: follow a news story across outlets and languages."""
__version__ = "0.1.0"
