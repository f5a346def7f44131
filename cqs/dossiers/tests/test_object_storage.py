"""Media on S3-compatible object storage (``CQS_MEDIA_STORAGE=s3``, docs/deploy.md), against a real S3 server.

The server is moto's (``moto_server``), a separate process speaking the S3 protocol over HTTP; the
platform reaches it through django-storages and boto3 exactly as it would reach MinIO or AWS.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import secrets
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from config import env
from cqs.accounts.models import Role
from cqs.core.backup import MANIFEST
from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories import PDF_BYTES
from cqs.dossiers.tests.factories_portalapply import client_for, file_application, upload
from cqs.dossiers.tests.test_backup import _backup, _connected_to

ACCESS_KEY, SECRET_KEY, REGION = "cqs-test-access", "cqs-test-secret", "us-east-1"
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server in a process of its own for the session; its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 (moto's server from the environment)
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@functools.cache
def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )


def _use_bucket(endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new empty bucket, made the media storage through the environment as on a server; its name."""
    bucket = f"cqs-media-{secrets.token_hex(6)}"
    _client(endpoint).create_bucket(Bucket=bucket)
    for name, value in {
        "CQS_MEDIA_STORAGE": "s3",
        "CQS_S3_BUCKET": bucket,
        "CQS_S3_ENDPOINT_URL": endpoint,
        "CQS_S3_ACCESS_KEY": ACCESS_KEY,
        "CQS_S3_SECRET_KEY": SECRET_KEY,
        "CQS_S3_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    kind, storage = env.media_storage()
    settings.CQS_MEDIA_STORAGE = kind
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return bucket


def _objects(endpoint: str, bucket: str) -> dict[str, str]:
    """Every object of the bucket: its key and the SHA-256 of its bytes."""
    client = _client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: hashlib.sha256(client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()).hexdigest()
        for item in listed
    }


def _nothing_on_disk(settings: Any) -> bool:
    root = Path(settings.MEDIA_ROOT)
    return not root.exists() or not any(path.is_file() for path in root.rglob("*"))


@pytest.mark.django_db
@pytest.mark.usefixtures("officials_without_totp")
def test_an_application_s_file_goes_to_the_bucket_and_comes_back_only_to_who_may_see_it(
    w: factories.World, settings: Any, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str
) -> None:
    bucket = _use_bucket(s3_endpoint, settings, monkeypatch)
    client = client_for(w.citizen)
    code = w.procedure.code
    step1 = {
        "deciding_agency": w.agency.pk,
        "receiving_agency": w.agency.pk,
        "filing_mode": "self",
        "phone": "0912345678",
        "delivery": "online",
    }
    assert client.post(reverse("portal:apply", args=[code]), step1).status_code == 302
    form = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"}
    assert client.post(reverse("portal:apply_form", args=[code]), form).status_code == 302
    document = w.version.documents.get()
    documents = client.post(reverse("portal:apply_documents", args=[code]), {f"file_{document.pk}": upload()})
    assert documents.status_code == 302
    assert [key.startswith("tmp/apply/") for key in _objects(s3_endpoint, bucket)] == [True]  # kept between steps
    assert file_application(client, code).status_code == 302

    dossier = Dossier.objects.get()
    item = dossier.files.get()
    # The paper is an object of the bucket (the wizard's temporary copy deleted), nothing on the local disk.
    assert _objects(s3_endpoint, bucket) == {item.file.name: hashlib.sha256(PDF_BYTES).hexdigest()}
    assert item.file.name.startswith("dossiers/") and _nothing_on_disk(settings)
    # Private: no grant to everyone, and the platform never hands out an address of the bucket.
    grants = _client(s3_endpoint).get_object_acl(Bucket=bucket, Key=item.file.name)["Grants"]
    assert not [grant for grant in grants if grant["Grantee"].get("URI") in PUBLIC_GRANTEES]
    assert item.file.url == f"/media/{item.file.name}" and s3_endpoint not in item.file.url

    mine = reverse("portal:dossier_file", args=[dossier.code, item.pk])
    response = client.get(mine)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF_BYTES))
    assert b"".join(response.streaming_content) == PDF_BYTES
    desk = client_for(w.officer).get(reverse("desk:file", args=[dossier.code, item.pk]))
    assert desk.status_code == 200 and b"".join(desk.streaming_content) == PDF_BYTES

    assert client_for(w.stranger).get(mine).status_code == 404
    outsider = factories.official("khac", w.other_agency, Role.ONE_STOP_OFFICER, Role.SPECIALIST)
    assert client_for(outsider).get(reverse("desk:file", args=[dossier.code, item.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_backup_takes_the_bucket_s_files_and_a_restore_puts_them_into_an_empty_bucket(
    w: factories.World, settings: Any, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str, tmp_path: Path, elsewhere: str
) -> None:
    bucket = _use_bucket(s3_endpoint, settings, monkeypatch)
    for _ in range(2):
        services.dossier_submit_online(applicant=w.citizen, filing=factories.filing(w))
    stored = _objects(s3_endpoint, bucket)
    assert len(stored) == 2 and _nothing_on_disk(settings)

    path = _backup(tmp_path)
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile(MANIFEST))  # type: ignore[arg-type]
    assert {name: digest for name, digest in manifest["files"].items() if name.startswith("media/")} == {
        f"media/{key}": digest for key, digest in stored.items()
    }

    with pytest.raises(CommandError, match=f"Thư mục tệp s3://{bucket}/ không trống"):
        call_command("restore", str(path), database_name=elsewhere)

    missing = f"cqs-missing-{secrets.token_hex(6)}"
    monkeypatch.setenv("CQS_S3_BUCKET", missing)
    settings.STORAGES = {**settings.STORAGES, "default": env.media_storage()[1]}
    with pytest.raises(CommandError, match=f"Không đọc được kho tệp s3://{missing}/: .*NoSuchBucket"):
        call_command("restore", str(path), database_name=elsewhere)

    settings.CQS_AUDIT_ANCHOR_FILE = tmp_path / "restored-audit" / "anchors.log"
    restored = _use_bucket(s3_endpoint, settings, monkeypatch)
    out = io.StringIO()
    call_command("restore", str(path), database_name=elsewhere, stdout=out)
    assert out.getvalue().startswith(f"Đã khôi phục vào cơ sở dữ liệu “{elsewhere}”")
    assert _objects(s3_endpoint, restored) == stored
    with _connected_to(elsewhere):
        names = sorted(item.file.name for dossier in Dossier.objects.all() for item in dossier.files.all())
        assert names == sorted(stored)
        assert all(default_storage.open(name).read() == PDF_BYTES for name in names)
    assert _nothing_on_disk(settings)


def test_the_media_storage_setting_refuses_what_it_cannot_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CQS_MEDIA_STORAGE", "ftp")
    with pytest.raises(ImproperlyConfigured, match=r"CQS_MEDIA_STORAGE phải là filesystem hoặc s3, không phải 'ftp'\."):
        env.media_storage()
    monkeypatch.setenv("CQS_MEDIA_STORAGE", "s3")
    monkeypatch.delenv("CQS_S3_BUCKET", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"Biến môi trường CQS_S3_BUCKET chưa được đặt\."):
        env.media_storage()
    monkeypatch.setenv("CQS_S3_BUCKET", "cqs-media")
    monkeypatch.setenv("CQS_S3_ACCESS_KEY", "AKIA")
    monkeypatch.delenv("CQS_S3_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="phải được đặt cùng nhau"):
        env.media_storage()
    monkeypatch.delenv("CQS_S3_ACCESS_KEY")
    monkeypatch.setenv("CQS_S3_ENDPOINT_URL", "https://s3.tinh.gov.vn")
    assert env.media_storage() == (
        "s3",
        {
            "BACKEND": "cqs.core.media_s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": "cqs-media",
                "endpoint_url": "https://s3.tinh.gov.vn",
                "region_name": None,
                "access_key": None,
                "secret_key": None,
                "addressing_style": "path",
            },
        },
    )
    monkeypatch.delenv("CQS_MEDIA_STORAGE")
    assert env.media_storage() == ("filesystem", {"BACKEND": "django.core.files.storage.FileSystemStorage"})
