"""shortstack: a cheap, scalable serverless application stack for startups."""

__version__ = "0.1.0"
__all__ = ["__version__"]
