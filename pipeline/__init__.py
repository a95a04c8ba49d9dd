"""nastavnik: the monthly consolidation of school mentorship forms for a district office."""

__version__ = "0.1.0"
