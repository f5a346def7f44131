"""Every print, export and register of the documents section follows the same visibility as the document pages,
checked against every role: the registers (page, PDF, XLSX; normal and classified), the search results, the work
files (list and detail), the handling slip, the API lists."""

from __future__ import annotations

import html
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cqs.accounts.models import Role, User
from cqs.documents.models import IncomingStatus, Secrecy, WorkFile
from cqs.documents.permissions import incoming_visible_to, outgoing_visible_to
from cqs.documents.tests import factories
from cqs.documents.tests.factories import DocumentsWorld, official, text_pdf
from cqs.documents.tests.registers_support import incoming, outgoing

pytestmark = pytest.mark.django_db
WORD = "quy hoạch vùng"
KEEPERS = ("clerk", "leader")


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


class Book:
    """Six documents of the agency, a work file holding the three incoming ones, and one person per role."""

    def __init__(self, w: DocumentsWorld) -> None:
        self.w = w
        kt = {"lead_department": w.kt, "status": IncomingStatus.ASSIGNED}
        self.subjects = {
            "in_kt": f"Về việc {WORD} thứ nhất do Phòng Kinh tế chủ trì",
            "in_secret": f"Về việc {WORD} mật do Phòng Kinh tế chủ trì",
            "in_vp": f"Về việc {WORD} do Văn phòng chủ trì",
            "out_vp": f"Quyết định {WORD} do Văn phòng soạn",
            "out_secret": f"Quyết định {WORD} mật",
            "out_kt": f"Kế hoạch {WORD} do Phòng Kinh tế soạn",
        }
        s = self.subjects
        self.docs = {
            "in_kt": incoming(w, subject=s["in_kt"], **kt),
            "in_secret": incoming(w, subject=s["in_secret"], secrecy=Secrecy.SECRET, pdf=text_pdf("Mat"), **kt),
            "in_vp": incoming(w, subject=s["in_vp"], lead_department=w.vp, status=IncomingStatus.ASSIGNED),
            "out_vp": outgoing(w, subject=s["out_vp"]),
            "out_secret": outgoing(w, subject=s["out_secret"], secrecy=Secrecy.SECRET),
            "out_kt": outgoing(w, subject=s["out_kt"], drafting_department=w.kt, drafter=w.kt_specialist),
        }
        self.workfile = WorkFile.objects.create(
            agency=w.agency, department=w.kt, code="01.KT", title="Quy hoạch vùng", year=2026, keeper=w.kt_head
        )
        for key in ("in_kt", "in_secret", "in_vp"):
            self.docs[key].work_file = self.workfile
            self.docs[key].save(update_fields=["work_file"])
        citizen = User.objects.create_user(username="040095009999", password="x", full_name="Công Dân", kind="citizen")
        self.people: dict[str, Any] = {
            "clerk": w.clerk,
            "leader": w.leader,
            "specialist": w.kt_specialist,
            "administrator": official("vb_qt", w.agency, Role.ADMINISTRATOR),
            "catalog_manager": official("vb_ql_tthc", w.agency, Role.CATALOG_MANAGER),
            "one_stop_officer": official("vb_mot_cua", w.agency, Role.ONE_STOP_OFFICER),
            "citizen": citizen,
            "anonymous": AnonymousUser(),
        }

    def client(self, role: str) -> Client:
        client = Client()
        user = self.people[role]
        if getattr(user, "is_authenticated", False):
            client.force_login(user)
        return client

    def visible(self, role: str) -> set[str]:
        """The documents this role sees on the document pages: what every export of it may hold."""
        user = self.people[role]
        seen_in = set(incoming_visible_to(user).values_list("pk", flat=True))
        seen_out = set(outgoing_visible_to(user).values_list("pk", flat=True))
        return {key for key, doc in self.docs.items() if doc.pk in (seen_in if key.startswith("in_") else seen_out)}

    def shown(self, text: str) -> set[str]:
        """The documents whose subject a page, a PDF or a sheet shows (however its lines wrap, its words marked)."""
        plain = _squeezed(html.unescape(re.sub(r"<[^>]+>", "", text)))
        return {key for key, subject in self.subjects.items() if _squeezed(subject) in plain}


@pytest.fixture
def book(db: Any) -> Book:
    return Book(factories.documents_world())


ROLES = [
    "clerk",
    "leader",
    "specialist",
    "administrator",
    "catalog_manager",
    "one_stop_officer",
    "citizen",
    "anonymous",
]


def _denied(response: Any, role: str) -> None:
    if role == "anonymous":
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    else:
        assert response.status_code == 404


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _pdf_text(data: bytes, folder: Path) -> str:
    """The text of a PDF in the order it is drawn (each table cell whole)."""
    path = folder / "export.pdf"
    path.write_bytes(data)
    command = ["/usr/bin/pdftotext", "-raw", str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout  # noqa: S603


def _xlsx_text(data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell)


@pytest.mark.parametrize("role", ROLES)
def test_the_visibility_of_the_visible_set_itself(book: Book, role: str) -> None:
    """The policy the exports are held to: keepers see all six, the specialist of the Economy office its two."""
    expected = {
        "clerk": set(book.docs),
        "leader": set(book.docs),
        "specialist": {"in_kt", "out_kt"},
    }.get(role, set())
    assert book.visible(role) == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "keys"), [("incoming", "in_"), ("outgoing", "out_")])
@pytest.mark.parametrize("register", ["normal", "classified"])
@pytest.mark.parametrize("export", ["", "pdf", "xlsx"])
def test_every_register_export_follows_the_pages(
    book: Book, role: str, kind: str, keys: str, register: str, export: str, tmp_path: Path
) -> None:
    url = reverse(f"documents:register_{kind}")
    params = {"co_quan": book.w.agency.pk, "nam": timezone.localdate().year, "so": register}
    if export:
        params["format"] = export
    response = book.client(role).get(url, params)
    if role not in KEEPERS:
        _denied(response, role)
        return
    assert response.status_code == 200
    if export == "pdf":
        text = _pdf_text(response.content, tmp_path)
    elif export == "xlsx":
        text = _xlsx_text(response.content)
    else:
        text = response.content.decode()
    secret = register == "classified"
    expected = {k for k in book.visible(role) if k.startswith(keys) and ("secret" in k) == secret}
    assert expected and book.shown(text) == expected
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("role", ROLES)
def test_search_results_follow_the_pages(book: Book, role: str) -> None:
    response = book.client(role).get(reverse("documents:search"), {"q": WORD})
    if role in ("citizen", "anonymous"):
        _denied(response, role)
        return
    assert response.status_code == 200
    assert book.shown(response.content.decode()) == book.visible(role)


@pytest.mark.parametrize("role", ROLES)
def test_work_files_follow_the_pages(book: Book, role: str) -> None:
    listing = book.client(role).get(reverse("documents:workfiles"))
    detail = book.client(role).get(reverse("documents:workfile_detail", args=[book.workfile.pk]))
    if role in ("citizen", "anonymous"):
        _denied(listing, role)
        _denied(detail, role)
        return
    seen_in = {k for k in book.visible(role) if k.startswith("in_")}
    if role in ("administrator", "catalog_manager", "one_stop_officer"):
        assert book.workfile.code not in listing.content.decode()
        assert detail.status_code == 404
        return
    # the count of the list is the count of what the reader may open
    assert f"{len(seen_in)} đến, 0 đi" in listing.content.decode()
    assert detail.status_code == 200
    assert book.shown(detail.content.decode()) == seen_in


@pytest.mark.parametrize("role", ROLES)
def test_the_handling_slip_of_a_classified_document_follows_its_page(book: Book, role: str) -> None:
    secret = book.docs["in_secret"]
    client = book.client(role)
    page = client.get(reverse("documents:incoming_detail", args=[secret.pk]))
    slip = client.get(reverse("documents:incoming_slip_pdf", args=[secret.pk]))
    if "in_secret" in book.visible(role):
        assert page.status_code == slip.status_code == 200
    elif role == "anonymous":
        _denied(page, role)
        _denied(slip, role)
    else:
        assert page.status_code == slip.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "keys"), [("incoming", "in_"), ("outgoing", "out_")])
def test_api_lists_follow_the_pages(book: Book, role: str, kind: str, keys: str) -> None:
    response = book.client(role).get(f"/api/v1/documents/{kind}", {"box": "all", "page_size": 100})
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {book.docs[k].pk for k in book.visible(role) if k.startswith(keys)}


@pytest.mark.parametrize("role", ROLES)
def test_file_downloads_follow_the_pages_and_are_never_cached(book: Book, role: str) -> None:
    secret = book.docs["in_secret"]
    item = secret.files.get()
    client = book.client(role)
    page = client.get(reverse("documents:incoming_file", args=[secret.pk, item.pk]))
    api = client.get(f"/api/v1/documents/incoming/{secret.pk}/files/{item.pk}")
    if "in_secret" not in book.visible(role):
        _denied(page, role)
        assert api.status_code == (401 if role == "anonymous" else 404)
        return
    for response in (page, api):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
