"""Amazon S3: the imports bucket that holds uploaded CSVs and staged rows on AWS (`blobs.py`),
and the presigned URLs clients upload import files to (`upload_urls.py`)."""
