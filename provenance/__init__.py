"""provenance: checks claim footage and rates how far it supports each claim."""

__version__ = "0.1.0"
