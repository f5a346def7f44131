"""Media on S3-compatible object storage (``CQS_MEDIA_STORAGE=s3``, docs/deploy.md): private objects only.

The storage of ``config.env.media_storage``. Every object is written without an ACL (the bucket's
own, private), a name already taken gets a new one as on the filesystem (two rows never share
one object, so deleting one row's file never takes another's), and a file's URL is never the
bucket's: the platform hands files back through its own views, which check who may see them
(``cqs.core.uploads.download_response``), and no signed link to the bucket leaves it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage

# Larger files opened for reading are spooled to a temporary file rather than held in memory.
_SPOOL_MAX_BYTES = 5 * 1024 * 1024


class PrivateS3Storage(S3Storage):
    def __init__(self, **options: Any) -> None:
        super().__init__(
            **options,
            default_acl=None,
            object_parameters={},
            file_overwrite=False,
            querystring_auth=True,
            custom_domain=None,
            max_memory_size=_SPOOL_MAX_BYTES,
        )

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        """As S3Storage's; a bucket that cannot be listed (missing, refused, unreachable) raises ``OSError``."""
        try:
            return super().listdir(name)
        except (BotoCoreError, ClientError) as error:
            raise OSError(str(error)) from error

    def url(self, name: str | None, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        """``MEDIA_URL`` and the name, as for files on disk: never an address of the bucket."""
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name or ""))
