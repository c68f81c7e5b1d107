"""Blobs as files in a local directory: the BlobStore of the local server (under DATA_DIR)."""

from shortstack.adapters.files.blobs import LocalBlobStore

__all__ = ["LocalBlobStore"]
