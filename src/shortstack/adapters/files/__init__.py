"""Blobs as files in a local directory: the BlobStore of the local server (`blobs.py`)."""
