"""The local server's import files: blobs under DATA_DIR (`blobs.py`), and upload URLs on the
server itself (`upload_urls.py`)."""
