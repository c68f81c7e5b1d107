"""Imports whose file the client uploads itself: hand out the URL, take the file when it lands.

`request` creates an import awaiting its file and says where to send it (the
UploadInbox: a presigned S3 PUT on AWS, a signed URL on the local server). The
file then arrives one of two ways, and both end in `_take`:
- `admit` + `receive`: the local server's upload URL is called, its signature and
  expiry are checked before the body is read;
- `landed`: S3 says an object was stored under `uploads/` (lambda_uploads.py).
`_take` checks the file as a direct POST would, stores it where the workflow reads
it, marks the import pending (once: a second file for the import is refused) and
starts the workflow. A refused file ends its import as failed, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from shortstack.domain.clock import to_iso
from shortstack.domain.errors import (
    Forbidden,
    ImportAlreadyUploaded,
    ImportNotFound,
    InvalidInput,
    TooLarge,
)
from shortstack.domain.import_csv import check_upload
from shortstack.domain.import_formats import ImportFormat
from shortstack.domain.imports import (
    ImportJob,
    ImportStatus,
    UploadTerms,
    import_requested,
    new_import,
)
from shortstack.domain.uploads import (
    UploadTarget,
    epoch_seconds,
    from_epoch_seconds,
    is_bound_to,
    parse_upload_key,
    size_problem,
)
from shortstack.service_layer.imports import ImportsService, source_key
from shortstack.service_layer.ports import MissingBlob, UploadInbox

DEFAULT_URL_TTL = timedelta(minutes=15)


class Landing(StrEnum):
    """What became of an object that landed in the upload area."""

    STARTED = "started"
    REFUSED = "refused"  # its import failed with the reason
    IGNORED = "ignored"  # no import awaits it: a stray key, a second file, a repeat event


@dataclass
class ImportUploadsService:
    imports: ImportsService
    inbox: UploadInbox
    max_bytes: int
    url_ttl: timedelta = DEFAULT_URL_TTL

    def request(
        self, owner: str, filename: str, size: int | None = None, content_type: str = "text/csv"
    ) -> tuple[ImportJob, UploadTarget]:
        """A new import awaiting its file, and where to send it (until the URL expires)."""
        if size is not None and size > self.max_bytes:
            raise TooLarge(
                f"size: the file is {size:,} bytes; an import takes at most {self.max_bytes:,}"
            )
        now = self.imports.clock()
        # Whole seconds: the expiry travels in URLs as epoch seconds.
        expires_at = from_epoch_seconds(epoch_seconds(now + self.url_ttl))
        job = new_import(owner, now, filename, upload=UploadTerms(expires_at, size))
        self.imports.imports.add(job)
        return job, self.inbox.target(job, content_type)

    # -- a body sent to this server ----------------------------------------------------------

    def admit(self, import_id: str, expires: int, signature: str, length: int | None) -> ImportJob:
        """The job a body sent to its upload URL is for, checked before the body is read."""
        job = self.imports.imports.get(import_id)
        if job is None or job.upload is None:
            raise ImportNotFound(import_id)
        self.inbox.verify(job, expires, signature)
        if self.imports.clock() > from_epoch_seconds(expires):
            raise Forbidden(
                f"this upload URL expired at {to_iso(from_epoch_seconds(expires))}: "
                "ask POST /api/v1/imports/uploads for a new one"
            )
        if job.status is not ImportStatus.AWAITING_UPLOAD:
            raise ImportAlreadyUploaded(import_id, str(job.status))
        if length is not None:
            self._check_size(job, length)
        return job

    def receive(self, job: ImportJob, data: bytes) -> ImportJob:
        """Take the body `admit` let in as the job's file; raises why it was refused."""
        self._check_size(job, len(data))
        try:
            found = check_upload(data, self.imports.max_rows)
        except InvalidInput as exc:
            self.imports.fail_upload(job, exc.message)
            raise
        if not self._take(job, data, found):
            raise ImportAlreadyUploaded(job.import_id, "no longer awaiting its file")
        return self.imports.imports.get(job.import_id) or job

    def _check_size(self, job: ImportJob, size: int) -> None:
        """A body of the wrong size is refused and the import keeps waiting, as S3 refuses
        a PUT whose length differs from the signed one."""
        problem = size_problem(size, job.upload, self.max_bytes)
        if problem is None:
            return
        declared = job.upload.size if job.upload else None
        if size > self.max_bytes or (declared is not None and size > declared):
            raise TooLarge(problem)
        raise InvalidInput(problem, "file")

    # -- an object stored in the upload area ------------------------------------------------

    def landed(self, key: str, size: int) -> Landing:
        """Start the import an uploaded object is for, or refuse it; the object is removed.

        Safe to call twice for one object (S3 may deliver an event twice, Lambda retries):
        the import is taken once, a repeat finds it taken and only asks its workflow to
        start, which starts one execution however often it is asked.
        """
        named = parse_upload_key(key)
        job = self.imports.imports.get(named.import_id) if named else None
        if job is None or named is None or not is_bound_to(job, named):
            self._discard(key)
            return Landing.IGNORED
        if job.status is not ImportStatus.AWAITING_UPLOAD:
            if job.status is ImportStatus.PENDING:  # taken, maybe not started: a retry
                self.imports.start(job.import_id)
            self._discard(key)
            return Landing.IGNORED
        outcome = self._land(job, key, size)
        self._discard(key)
        return outcome

    def _land(self, job: ImportJob, key: str, size: int) -> Landing:
        problem = size_problem(size, job.upload, self.max_bytes)
        if problem is not None:
            self.imports.fail_upload(job, problem)
            return Landing.REFUSED
        try:
            data = self.imports.blobs.get(key)
        except MissingBlob:  # removed since: a repeat of an event already handled
            return Landing.IGNORED
        try:
            found = check_upload(data, self.imports.max_rows)
        except InvalidInput as exc:
            self.imports.fail_upload(job, exc.message)
            return Landing.REFUSED
        return Landing.STARTED if self._take(job, data, found) else Landing.IGNORED

    def _take(self, job: ImportJob, data: bytes, found: ImportFormat) -> bool:
        """Store a checked file (read as `found`) as the job's source, mark it pending, start
        it; False when another file or the URL's expiry ended the wait first."""
        imports = self.imports
        imports.blobs.put(source_key(job.import_id), data)
        taken = replace(job, format=str(found))
        with imports.uow.begin() as outbox:
            settled = imports.imports.settle_upload(
                job, ImportStatus.PENDING, imports.clock(), format=taken.format
            )
            if settled:
                outbox.add([import_requested(taken)])
        if not settled:
            return False
        imports.start(job.import_id)
        return True

    def _discard(self, key: str) -> None:
        # One exact key: a stray "uploads/" folder marker must not take every upload with it.
        self.imports.blobs.delete(key)
