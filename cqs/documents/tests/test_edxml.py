"""edXML build and parse without a database: structure, strict refusals, digests, XMLDSig and its chain."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from lxml import etree

from cqs.core.errors import ValidationFailed
from cqs.documents.exchange import edxml, xmldsig
from cqs.signing import ca

NOW = dt.datetime.now(dt.UTC)


def _ca(name: str, issuer: ca.Issuer | None = None) -> ca.Issuer:
    key = ca.key_generate(2048)
    cert = ca.cert_build(
        subject=ca.subject_name(common_name=name),
        public_key=key.public_key(),
        issuer=issuer,
        issuer_key=issuer.key if issuer else key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=365),
        ca=True,
    )
    return ca.Issuer(cert=cert, key=key)


@pytest.fixture(scope="module")
def pki() -> tuple[x509.Certificate, edxml.SigningKey]:
    """(root, the signing key of «UBND tỉnh Nghệ An» under an issuing CA of that root)."""
    root = _ca("Root")
    issuing = _ca("Issuing", root)
    key = ca.key_generate(2048)
    cert = ca.cert_build(
        subject=ca.subject_name(common_name="UBND", organisation="UBND tỉnh Nghệ An"),
        public_key=key.public_key(),
        issuer=issuing,
        issuer_key=issuing.key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=30),
        ca=False,
    )
    return root.cert, edxml.SigningKey(key=key, chain=(cert, issuing.cert))


def envelope(**changes: object) -> edxml.Envelope:
    header = edxml.MessageHeader(
        from_organ=edxml.Organ("000.00.00.H40", "UBND tỉnh Nghệ An", "Vinh", "ubnd@nghean.gov.vn", "0238"),
        to_organs=(edxml.Organ("000.00.00.H42", "UBND tỉnh Hà Tĩnh"),),
        code_number="05",
        code_notation="QĐ-UBND",
        place="Nghệ An",
        promulgation_date=dt.date(2026, 3, 9),
        document_type="Quyết định",
        subject="Về việc ban hành quy chế liên thông văn bản",
        signer_full_name="Nguyễn Văn A",
        signer_position="Chủ tịch",
        signer_competence="TM.",
        due_date=dt.date(2026, 4, 1),
        response_for=edxml.ResponseFor("000.00.00.H42", "H42:abc", "12/UBND-VP", dt.date(2026, 3, 1)),
        priority="2",
        promulgation_amount=3,
        page_amount=4,
    )
    values: dict[str, object] = {
        "document_id": "H40:0001",
        "header": header,
        "attachments": (
            edxml.Attachment("cid:1", "quyet-dinh.pdf", "application/pdf", b"%PDF-1.7 main", "Văn bản chính"),
            edxml.Attachment("cid:2", "phu-luc.pdf", "application/pdf", b"%PDF-1.7 annex"),
        ),
        "traces": (edxml.Trace("000.00.00.H40", NOW),),
    }
    values.update(changes)
    return edxml.Envelope(**values)  # type: ignore[arg-type]


def test_envelope_round_trip(pki: tuple[x509.Certificate, edxml.SigningKey]) -> None:
    root, signing = pki
    original = envelope()
    data = edxml.envelope_build(original, signing=signing)
    tree = etree.fromstring(data)
    assert etree.QName(tree).namespace == "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    ns = {"e": edxml.NS, "ds": edxml.DS}
    assert tree.findtext("e:edXMLHeader/e:MessageHeader/e:PromulgationInfo/e:PromulgationDate", namespaces=ns) == (
        "2026/03/09"
    )
    assert tree.find("e:edXMLHeader/ds:Signature", namespaces=ns) is not None
    reference = tree.find("e:edXMLBody/e:edXMLManifest/e:Reference", namespaces=ns)
    assert reference is not None
    assert reference.findtext("e:Digest", namespaces=ns) == original.attachments[0].sha256
    parsed = edxml.envelope_parse(data)
    assert parsed.header == original.header
    assert parsed.attachments == original.attachments
    assert parsed.document_id == "H40:0001"
    assert parsed.traces[0].organ_id == "000.00.00.H40"
    assert edxml.envelope_parse(data, with_files=False).attachments == ()
    signer = xmldsig.signature_verify(data, trusted_roots=[root], organ_name="UBND tỉnh Nghệ An")
    assert signer == signing.chain[0]


def test_status_round_trip(pki: tuple[x509.Certificate, edxml.SigningKey]) -> None:
    root, signing = pki
    status = edxml.Status(
        document_id="H40:s1",
        from_organ=edxml.Organ("000.00.00.H40", "UBND tỉnh Nghệ An"),
        to_organ_id="000.00.00.H42",
        response_for=edxml.ResponseFor("000.00.00.H42", "H42:abc"),
        code="04",
        description="Đã giao Văn phòng",
        timestamp=NOW.replace(microsecond=0),
        staff_name="Lê Thị Văn Thư",
    )
    data = edxml.status_build(status, signing=signing)
    assert edxml.status_parse(data) == status
    xmldsig.signature_verify(data, trusted_roots=[root], organ_name="UBND tỉnh Nghệ An")
    with pytest.raises(ValidationFailed) as error:
        edxml.status_build(edxml.Status(**{**status.__dict__, "code": "07"}), signing=signing)
    assert error.value.message == "Mã trạng thái edXML «07» không hợp lệ."


def _refused(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as error:
        edxml.envelope_parse(data)
    return error.value.message


def test_missing_elements_and_bad_dates_are_named(pki: tuple[x509.Certificate, edxml.SigningKey]) -> None:
    data = edxml.envelope_build(envelope(), signing=pki[1])
    assert _refused(data.replace(b"2026/03/09", b"09/03/2026")) == (
        "Ngày ban hành «09/03/2026» không đúng định dạng yyyy/MM/dd."
    )
    renamed = data.replace(b"edXML:Subject>", b"edXML:Subjec>")
    assert _refused(renamed) == "Gói tin edXML thiếu phần tử Subject (trích yếu)."
    assert _refused(data.replace(b"<edXML:CodeNumber>05</edXML:CodeNumber>", b"<edXML:CodeNumber/>")) == (
        "Gói tin edXML để trống Code/CodeNumber (số văn bản)."
    )
    assert _refused(data.replace(b"<edXML:PageAmount>4<", "<edXML:PageAmount>bốn<".encode())) == (
        "Số trang «bốn» phải là số nguyên dương, tối đa 5 chữ số."
    )
    assert _refused(data.replace(b'ContentId="cid:2"', b'ContentId="cid:9"')) == (
        "Thiếu nội dung tệp «phu-luc.pdf» (cid:2) trong AttachmentEncoded."
    )


def test_an_attachment_changed_in_transit_fails_its_digest(pki: tuple[x509.Certificate, edxml.SigningKey]) -> None:
    import base64

    data = edxml.envelope_build(envelope(), signing=pki[1])
    changed = data.replace(base64.b64encode(b"%PDF-1.7 annex"), base64.b64encode(b"%PDF-1.7 other"))
    assert _refused(changed) == "Tệp «phu-luc.pdf» không toàn vẹn: mã băm SHA-256 không khớp với danh mục."


def test_an_unsigned_envelope_is_refused(pki: tuple[x509.Certificate, edxml.SigningKey]) -> None:
    data = edxml.envelope_build(envelope(), signing=pki[1])
    tree = etree.fromstring(data)
    signature = tree.find(f".//{{{edxml.DS}}}Signature")
    assert signature is not None
    signature.getparent().remove(signature)
    assert _refused(etree.tostring(tree)) == "Gói tin edXML phải có đúng một chữ ký số (Signature)."


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>',
        b'<!doctype r SYSTEM "http://example.com/x.dtd"><r/>',
    ],
)
def test_entities_and_doctypes_are_refused(data: bytes) -> None:
    assert _refused(data) == "Gói tin edXML không được chứa khai báo DOCTYPE hoặc ENTITY."


def test_oversize_and_huge_text_are_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        edxml.envelope_parse(b"<r/>" + b" " * 2048, max_bytes=1024)
    assert error.value.message == "Gói tin edXML vượt quá dung lượng cho phép (0 MB)."
    huge = f'<e:edXMLEnvelope xmlns:e="{edxml.NS}"><e:x>'.encode() + b"A" * 11_000_000 + b"</e:x></e:edXMLEnvelope>"
    assert _refused(huge) == "Gói tin edXML có tệp đính kèm quá lớn."


def test_signature_checks(pki: tuple[x509.Certificate, edxml.SigningKey]) -> None:
    root, signing = pki
    data = edxml.envelope_build(envelope(), signing=signing)

    def refusal(payload: bytes, **kwargs: object) -> str:
        options: dict[str, object] = {"trusted_roots": [root], "organ_name": "UBND tỉnh Nghệ An", **kwargs}
        with pytest.raises(ValidationFailed) as error:
            xmldsig.signature_verify(payload, **options)  # type: ignore[arg-type]
        return error.value.message

    changed = data.replace("quy chế".encode(), b"quy che")
    assert refusal(changed) == "Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký."
    assert refusal(data.replace(b'URI=""', b'URI="#part"')) == (
        "Chữ ký số của gói tin edXML không bao trùm toàn bộ gói tin."
    )
    assert refusal(data, trusted_roots=[_ca("Other root").cert]) == (
        "Chứng thư số ký gói tin edXML không thuộc CA gốc được tin cậy."
    )
    serial = format(signing.chain[0].serial_number, "x")
    assert refusal(data, revoked_serials=frozenset({serial})) == "Chứng thư số ký gói tin edXML đã bị thu hồi."
    assert refusal(data, organ_name="UBND tỉnh Hà Tĩnh") == (
        "Chứng thư số ký gói tin cấp cho «UBND tỉnh Nghệ An», không phải cơ quan gửi «UBND tỉnh Hà Tĩnh»."
    )
    assert refusal(data, moment=NOW + dt.timedelta(days=60)) == (
        "Chứng thư số ký gói tin edXML đã hết hạn hoặc chưa có hiệu lực."
    )
