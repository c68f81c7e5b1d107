"""Amazon S3 adapters: the import bucket that holds uploaded CSVs and staged rows on AWS."""

from shortstack.adapters.s3.blobs import S3BlobStore

__all__ = ["S3BlobStore"]
