"""Reading a PDF's text for search is bounded: a small file that inflates to megabytes of text cannot hold a web
process; what cannot be read within the limits is stored without text, the reason recorded; scans record pages."""

from __future__ import annotations

import time
import zlib
from typing import Any

import pytest
import weasyprint
from django.test import Client
from django.urls import reverse

from cqs.documents.incoming.services import IncomingFile
from cqs.documents.models import DocumentFile
from cqs.documents.outgoing import services as svc
from cqs.documents.search import extraction
from cqs.documents.tests import factories
from cqs.documents.tests.factories import PNG_BYTES, DocumentsWorld, incoming
from cqs.documents.tests.test_outgoing_support import create, upload, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db


def _pdf(content: bytes, *, pages: int = 1) -> bytes:
    """A PDF whose every page draws ``content`` (a Flate-compressed content stream) in Helvetica."""
    stream = zlib.compress(content, 9)
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[%s]/Count %d>>" % (kids.encode(), pages),
        b"<</Length %d/Filter/FlateDecode>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    objects += [
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 3 0 R>>"
    ] * pages
    return factories.pdf_of(objects)


def text_bomb(lines: int = 30_000) -> bytes:
    """About 8 KB that inflate to 2 MB of drawing operators and a million characters: many seconds of pypdf's
    layout without limits (7–14 s measured on the CI machine)."""
    line = b"BT /F1 12 Tf 72 770 Td (Lorem ipsum dolor sit amet consectetur) Tj ET\n"
    return _pdf(line * lines)


def inflation_bomb() -> bytes:
    """About 30 KB that inflate to 30 MB (past the 20 MB one stream may inflate to)."""
    return _pdf(b" " * (30 * 1024 * 1024))


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


def test_a_text_bomb_keeps_only_the_start_of_its_text_and_stops_early(
    w: DocumentsWorld, settings: Any, run_jobs: Any
) -> None:
    settings.CQS_TEXT_EXTRACTION_SECONDS = 60  # this test is about the characters kept, not the time
    bomb = text_bomb()
    assert len(bomb) < 10_000
    document = incoming(w, files=[IncomingFile(name="bom.pdf", data=bomb, kind="scan")])
    assert run_jobs() == 1
    stored = document.files.get()
    assert 0 < len(stored.text) <= extraction.MAX_CHARS and stored.text.startswith("Lorem ipsum")
    assert stored.text_problem == "Văn bản dài quá: chỉ lấy 200.000 ký tự đầu để tra cứu."
    assert stored.page_count == 1
    assert stored.file.read() == bomb  # the file itself is kept


def test_a_file_that_takes_too_long_is_stopped_in_time_and_stored_without_text(
    w: DocumentsWorld, settings: Any, monkeypatch: Any, run_jobs: Any
) -> None:
    settings.CQS_TEXT_EXTRACTION_SECONDS = 2
    monkeypatch.setattr(extraction, "MAX_CHARS", 10**9)  # only the time limit stops it
    bomb = text_bomb(200_000)  # a minute or more of layout without limits
    document = incoming(w, files=[IncomingFile(name="bom.pdf", data=bomb, kind="scan")])
    started = time.monotonic()
    run_jobs()  # the worker's job
    assert time.monotonic() - started < 2 * 2 + 1 + 8  # the wait for the child, and the rest of the job
    stored = document.files.get()
    assert stored.text == ""
    assert stored.text_problem == "Đọc chữ của tệp PDF quá 2 giây: không lấy chữ để tra cứu."
    assert stored.page_count == 1  # the page tree was read before the time ran out


def test_a_stream_that_inflates_past_the_limit_is_refused_quickly(w: DocumentsWorld) -> None:
    started = time.monotonic()
    found = extraction.pdf_text_extract(inflation_bomb())
    assert time.monotonic() - started < 8
    assert (found.text, found.problem) == (
        "",
        "Nội dung nén trong tệp PDF vượt giới hạn giải nén: không lấy chữ để tra cứu.",
    )


def test_a_long_file_keeps_the_start_of_its_text(monkeypatch: Any) -> None:
    three = _pdf(b"BT /F1 12 Tf 72 770 Td (Trang van ban) Tj ET", pages=3)
    monkeypatch.setattr(extraction, "MAX_PAGES", 2)
    found = extraction.pdf_text_extract(three)
    assert (found.pages, found.text.count("Trang van ban")) == (3, 2)
    assert found.problem == "Văn bản dài quá 2 trang: chỉ lấy chữ của 2 trang đầu để tra cứu."
    monkeypatch.setattr(extraction, "MAX_PAGES", 500)
    monkeypatch.setattr(extraction, "MAX_CHARS", 20)
    found = extraction.pdf_text_extract(three)
    assert len(found.text) <= 20 and found.text.startswith("Trang van ban")
    assert found.problem == "Văn bản dài quá: chỉ lấy 20 ký tự đầu để tra cứu."


def test_a_sound_file_gives_its_text_and_pages() -> None:
    two = weasyprint.HTML(string="<p style='break-after: page'>Kế hoạch chuyển đổi số</p><p>Trang hai</p>").write_pdf()
    found = extraction.pdf_text_extract(bytes(two))
    assert (found.pages, found.problem) == (2, "")
    assert "Kế hoạch chuyển đổi số" in found.text and "Trang hai" in found.text
    broken = extraction.pdf_text_extract(b"%PDF-1.4\nkhong phai pdf")
    assert (broken.text, broken.pages) == ("", None)
    assert broken.problem == "Không đọc được chữ trong tệp PDF: không lấy chữ để tra cứu."


def test_scans_record_their_page_count_and_the_page_shows_it(w: DocumentsWorld, settings: Any, run_jobs: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    three = _pdf(b"BT /F1 12 Tf 72 770 Td (Quet) Tj ET", pages=3)
    document = incoming(
        w,
        files=[
            IncomingFile(name="ban-quet.pdf", data=three, kind="scan"),
            IncomingFile(name="anh.png", data=PNG_BYTES, kind="attachment"),
        ],
    )
    client = Client()
    client.force_login(w.clerk)
    # Until the worker has read them, the page and the API say so.
    text = client.get(reverse("documents:incoming_detail", args=[document.pk])).content.decode()
    assert text.count("Đang đọc nội dung tệp để tra cứu (vài giây đến vài phút).") == 2 and "3 trang" not in text
    api = client.get(f"/api/v1/documents/incoming/{document.pk}").json()
    assert [(f["page_count"], f["text_pending"]) for f in api["files"]] == [(None, True), (None, True)]
    assert run_jobs() == 2
    pages = dict(document.files.values_list("name", "page_count"))
    assert pages == {"ban-quet.pdf": 3, "anh.png": 1}
    text = client.get(reverse("documents:incoming_detail", args=[document.pk])).content.decode()
    assert "3 trang" in text
    api = client.get(f"/api/v1/documents/incoming/{document.pk}").json()
    assert {f["name"]: f["page_count"] for f in api["files"]} == {"ban-quet.pdf": 3, "anh.png": 1}
    assert "Đang đọc nội dung tệp" not in text and not any(f["text_pending"] for f in api["files"])


def test_a_drafted_bomb_does_not_hold_the_drafter(world: Any, settings: Any, monkeypatch: Any, run_jobs: Any) -> None:
    settings.CQS_TEXT_EXTRACTION_SECONDS = 2
    monkeypatch.setattr(extraction, "MAX_CHARS", 10**9)
    outgoing = create(world)
    draft = svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload(text_bomb(200_000)))
    assert draft.text_pending and (draft.text, draft.page_count) == ("", None)  # the upload read nothing
    started = time.monotonic()
    assert run_jobs() == 1  # the worker reads it, within its limits
    assert time.monotonic() - started < 2 * 2 + 1 + 8
    draft.refresh_from_db()
    assert (draft.text, draft.page_count, draft.text_pending) == ("", 1, False)
    assert draft.text_problem.startswith("Đọc chữ của tệp PDF quá 2 giây")
    assert DocumentFile.objects.get(pk=draft.pk).text_problem == draft.text_problem
