"""Pure rules and models. Nothing here imports boto3, FastAPI or Pydantic.

The redirect Lambda imports this package on its cold-start path, so the
modules stay standard-library only.
"""
