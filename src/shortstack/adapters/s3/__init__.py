"""Amazon S3: the import bucket that holds uploaded CSVs and staged rows on AWS (`blobs.py`)."""
