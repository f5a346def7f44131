"""edXML packages of QCVN 102:2016/BTTTT: build, sign, parse and verify, with no database.

An envelope is ``edXMLEnvelope`` = ``edXMLHeader`` (``MessageHeader``, ``TraceHeaderList``, an
XMLDSig enveloped ``Signature``) + ``edXMLBody/edXMLManifest`` (one ``Reference`` per attached
file, with its SHA-256) + ``AttachmentEncoded`` (the files, base64). A status message is
``Status`` (``StatusCode`` 01…16 about one ``ResponseFor`` DocumentId), signed the same way.

Parsing is strict: no DOCTYPE (so no entity expansion, no external entity), no network, no huge
text nodes, every required element present, every text within the length this platform stores
(``LIMITS``), ids (DocumentId, OrganId) made of safe characters only (no path), dates ``yyyy/MM/dd``
and timestamps in the years ``YEARS``, amounts small ASCII numbers, each attachment's digest equal
to its manifest entry: a package that breaks any of these could never be registered, so it is
refused at once. Verifying a message's XMLDSig is ``exchange.xmldsig``'s part. Every refusal is a
``ValidationFailed`` with a Vietnamese message.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml import XMLSigner

from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
_P = f"{{{NS}}}"
NSMAP = {"edXML": NS}
DATE_FORMAT = "%Y/%m/%d"
DEFAULT_MAX_BYTES = 40 * 1024 * 1024
YEARS = (1900, 2100)  # a date or timestamp outside these years is refused
# DocumentId and OrganId: letters, digits and a few separators; never a path ("/", "\\", "..").
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@#+=(){}\[\]-]*")
_AMOUNT = re.compile(r"[0-9]{1,5}")
DOCUMENT_ID_MAX, ORGAN_ID_MAX = 100, 40
# The longest text of each element this platform keeps (the incoming register's columns).
LIMITS = {
    "OrganName": 300,
    "OrganAdd": 500,
    "Email": 254,
    "Telephone": 50,
    "CodeNumber": 20,
    "CodeNotation": 60,
    "Place": 100,
    "TypeName": 100,
    "Subject": 1000,
    "Content": 20000,
    "Competence": 10,
    "Position": 150,
    "FullName": 200,
    "SteeringType": 10,
    "Priority": 2,
    "Code": 100,
    "ContentId": 100,
    "AttachmentName": 255,
    "ContentType": 100,
    "Description": 2000,
    "Digest": 64,
    "StatusCode": 2,
}

STATUS_CODES = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Đã phân công",
    "05": "Đang xử lý",
    "06": "Đã hoàn thành",
    "13": "Lấy lại văn bản",
    "15": "Đồng ý lấy lại, cập nhật",
    "16": "Từ chối lấy lại, cập nhật",
}


@dataclass(frozen=True)
class Organ:
    """An agency as edXML names it: its organ ID (mã định danh) and contact lines."""

    organ_id: str
    name: str
    address: str = ""
    email: str = ""
    telephone: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """The document an envelope answers, or a status message is about."""

    organ_id: str
    document_id: str
    code: str = ""
    promulgation_date: dt.date | None = None


@dataclass(frozen=True)
class Attachment:
    content_id: str
    name: str
    content_type: str
    data: bytes
    description: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Trace:
    organ_id: str
    timestamp: dt.datetime


@dataclass(frozen=True)
class MessageHeader:
    from_organ: Organ
    to_organs: tuple[Organ, ...]
    code_number: str
    code_notation: str
    place: str
    promulgation_date: dt.date
    document_type: str
    subject: str
    signer_full_name: str
    signer_position: str = ""
    signer_competence: str = ""
    content: str = ""
    due_date: dt.date | None = None
    steering_type: str = "0"
    response_for: ResponseFor | None = None
    priority: str = "0"
    promulgation_amount: int = 1
    page_amount: int = 1


@dataclass(frozen=True)
class Envelope:
    document_id: str
    header: MessageHeader
    attachments: tuple[Attachment, ...]
    traces: tuple[Trace, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Status:
    """``edXML:Status``: what the receiving agency did with a document (StatusCode)."""

    document_id: str
    from_organ: Organ
    to_organ_id: str
    response_for: ResponseFor
    code: str
    description: str
    timestamp: dt.datetime
    staff_name: str = ""


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs and the certificates that go into ``KeyInfo`` (signer first)."""

    key: rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]


# ---------------------------------------------------------------------------------------------- build


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _P + tag)
    if text is not None:
        element.text = text
    return element


def _organ(parent: etree._Element, tag: str, organ: Organ) -> None:
    node = _sub(parent, tag)
    _sub(node, "OrganId", organ.organ_id)
    _sub(node, "OrganName", organ.name)
    _sub(node, "OrganAdd", organ.address)
    _sub(node, "Email", organ.email)
    _sub(node, "Telephone", organ.telephone)


def _response_for(parent: etree._Element, response: ResponseFor) -> None:
    node = _sub(parent, "ResponseFor")
    _sub(node, "OrganId", response.organ_id)
    _sub(node, "Code", response.code)
    _sub(
        node, "PromulgationDate", response.promulgation_date.strftime(DATE_FORMAT) if response.promulgation_date else ""
    )
    _sub(node, "DocumentId", response.document_id)


def _sign(root: etree._Element, parent: etree._Element, signing: SigningKey) -> bytes:
    etree.SubElement(parent, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    signed = XMLSigner().sign(root, key=signing.key, cert=list(signing.chain))
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def envelope_build(envelope: Envelope, *, signing: SigningKey) -> bytes:
    """The signed ``edXMLEnvelope`` of a document and its files."""
    header = envelope.header
    if not envelope.attachments:
        raise ValidationFailed("Gói tin edXML phải có ít nhất một tệp văn bản.")
    root = etree.Element(_P + "edXMLEnvelope", nsmap=NSMAP)
    head = _sub(root, "edXMLHeader")
    message = _sub(head, "MessageHeader")
    _organ(message, "From", header.from_organ)
    for organ in header.to_organs:
        _organ(message, "To", organ)
    _sub(message, "DocumentId", envelope.document_id)
    code = _sub(message, "Code")
    _sub(code, "CodeNumber", header.code_number)
    _sub(code, "CodeNotation", header.code_notation)
    promulgation = _sub(message, "PromulgationInfo")
    _sub(promulgation, "Place", header.place)
    _sub(promulgation, "PromulgationDate", header.promulgation_date.strftime(DATE_FORMAT))
    document_type = _sub(message, "DocumentType")
    _sub(document_type, "TypeName", header.document_type)
    _sub(message, "Subject", header.subject)
    _sub(message, "Content", header.content)
    signer = _sub(message, "SignerInfo")
    _sub(signer, "Competence", header.signer_competence)
    _sub(signer, "Position", header.signer_position)
    _sub(signer, "FullName", header.signer_full_name)
    _sub(message, "DueDate", header.due_date.strftime(DATE_FORMAT) if header.due_date else "")
    _sub(message, "SteeringType", header.steering_type)
    if header.response_for is not None:
        _response_for(message, header.response_for)
    other = _sub(message, "OtherInfo")
    _sub(other, "Priority", header.priority)
    _sub(other, "PromulgationAmount", str(header.promulgation_amount))
    _sub(other, "PageAmount", str(header.page_amount))
    traces = _sub(head, "TraceHeaderList")
    for trace in envelope.traces:
        node = _sub(traces, "TraceHeader")
        _sub(node, "OrganId", trace.organ_id)
        _sub(node, "Timestamp", trace.timestamp.isoformat())
    body = _sub(root, "edXMLBody")
    manifest = _sub(body, "edXMLManifest")
    for attachment in envelope.attachments:
        reference = _sub(manifest, "Reference")
        _sub(reference, "ContentId", attachment.content_id)
        _sub(reference, "AttachmentName", attachment.name)
        _sub(reference, "ContentType", attachment.content_type)
        _sub(reference, "Description", attachment.description)
        digest = _sub(reference, "Digest", attachment.sha256)
        digest.set("Algorithm", "SHA-256")
    encoded = _sub(root, "AttachmentEncoded")
    for attachment in envelope.attachments:
        node = _sub(encoded, "Attachment", base64.b64encode(attachment.data).decode("ascii"))
        node.set("ContentId", attachment.content_id)
    return _sign(root, head, signing)


def status_build(status: Status, *, signing: SigningKey) -> bytes:
    """The signed ``edXML:Status`` message."""
    if status.code not in STATUS_CODES:
        raise ValidationFailed(f"Mã trạng thái edXML «{status.code}» không hợp lệ.")
    root = etree.Element(_P + "Status", nsmap=NSMAP)
    head = _sub(root, "Header")
    _sub(head, "DocumentId", status.document_id)
    _response_for(head, status.response_for)
    _organ(head, "From", status.from_organ)
    to = _sub(head, "To")
    _sub(to, "OrganId", status.to_organ_id)
    _sub(head, "StatusCode", status.code)
    _sub(head, "Description", status.description)
    _sub(head, "Timestamp", status.timestamp.isoformat())
    staff = _sub(head, "StaffInfo")
    _sub(staff, "FullName", status.staff_name)
    return _sign(root, root, signing)


# ---------------------------------------------------------------------------------------------- parse


def parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )


def document_load(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The root of an edXML document, parsed safely, or a Vietnamese refusal."""
    if len(data) > max_bytes:
        raise ValidationFailed(f"Gói tin edXML vượt quá dung lượng cho phép ({max_bytes // (1024 * 1024)} MB).")
    if not data.strip():
        raise ValidationFailed("Gói tin edXML rỗng.")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise ValidationFailed("Gói tin edXML không được chứa khai báo DOCTYPE hoặc ENTITY.")
    try:
        root = etree.fromstring(data, parser=parser())
    except etree.XMLSyntaxError as exc:
        if "huge" in str(exc).lower():
            raise ValidationFailed("Gói tin edXML có tệp đính kèm quá lớn.") from exc
        raise ValidationFailed(f"Gói tin edXML không phải là XML hợp lệ: {exc.msg}.") from exc
    if root.getroottree().docinfo.doctype:
        raise ValidationFailed("Gói tin edXML không được chứa khai báo DOCTYPE hoặc ENTITY.")
    if etree.QName(root).namespace != NS:
        raise ValidationFailed(f"Gói tin không thuộc không gian tên edXML {NS}.")
    return root


def kind_of(root: etree._Element) -> str:
    """``envelope`` or ``status``."""
    name = etree.QName(root).localname
    if name == "edXMLEnvelope":
        return "envelope"
    if name == "Status":
        return "status"
    raise ValidationFailed(f"Phần tử gốc «{name}» không phải là edXMLEnvelope hoặc Status.")


def _find(parent: etree._Element, path: str, label: str) -> etree._Element:
    node = parent.find("/".join(_P + part for part in path.split("/")))
    if node is None:
        raise ValidationFailed(f"Gói tin edXML thiếu phần tử {path} ({label}).")
    return node


def _limit(path: str) -> int:
    """The longest text of an element (dates, numbers and codes not listed: 100, their parsers check them further)."""
    return LIMITS.get(path.rsplit("/", 1)[-1], 100)


def _bounded(value: str, path: str, label: str) -> str:
    limit = _limit(path)
    if len(value) > limit:
        raise ValidationFailed(f"{label[:1].upper()}{label[1:]} dài quá {limit} ký tự.")
    return value


def _text(parent: etree._Element, path: str, label: str) -> str:
    """The text of a required element, NFC, refused when missing, empty or longer than this platform keeps."""
    value = nfc((_find(parent, path, label).text or "").strip())
    if not value:
        raise ValidationFailed(f"Gói tin edXML để trống {path} ({label}).")
    return _bounded(value, path, label)


def _optional(parent: etree._Element, path: str, label: str = "") -> str:
    node = parent.find("/".join(_P + part for part in path.split("/")))
    value = nfc((node.text or "").strip()) if node is not None else ""
    return _bounded(value, path, label or path)


def identifier(value: str, label: str, *, limit: int) -> str:
    """A DocumentId or OrganId: at most ``limit`` characters, letters, digits and safe separators, never a path."""
    if len(value) > limit:
        raise ValidationFailed(f"{label} dài quá {limit} ký tự.")
    if not _IDENTIFIER.fullmatch(value) or ".." in value:
        raise ValidationFailed(f"{label} «{value}» chứa ký tự không hợp lệ.")
    return value


def _required_id(parent: etree._Element, path: str, label: str, *, limit: int) -> str:
    value = nfc((_find(parent, path, label).text or "").strip())
    if not value:
        raise ValidationFailed(f"Gói tin edXML để trống {path} ({label}).")
    return identifier(value, label, limit=limit)


def _in_years(moment: dt.date, value: str, label: str) -> None:
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValidationFailed(f"{label} «{value}» nằm ngoài khoảng năm {YEARS[0]}–{YEARS[1]}.")


def _date(value: str, label: str) -> dt.date:
    try:
        day = dt.datetime.strptime(value, DATE_FORMAT).date()
    except ValueError as exc:
        raise ValidationFailed(f"{label} «{value}» không đúng định dạng yyyy/MM/dd.") from exc
    _in_years(day, value, label)
    return day


def _optional_date(value: str, label: str) -> dt.date | None:
    return _date(value, label) if value else None


def _timestamp(value: str, label: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{label} «{value}» không phải là thời điểm hợp lệ.") from exc
    if moment.tzinfo is None:
        raise ValidationFailed(f"{label} «{value}» thiếu múi giờ.")
    _in_years(moment, value, label)
    return moment


def _int(value: str, label: str) -> int:
    if not value:
        return 1
    if not _AMOUNT.fullmatch(value):
        raise ValidationFailed(f"{label} «{value}» phải là số nguyên dương, tối đa 5 chữ số.")
    return int(value)


def _organ_parse(node: etree._Element, label: str) -> Organ:
    return Organ(
        organ_id=_required_id(node, "OrganId", f"Mã định danh {label}", limit=ORGAN_ID_MAX),
        name=_text(node, "OrganName", f"tên {label}"),
        address=_optional(node, "OrganAdd", f"địa chỉ {label}"),
        email=_optional(node, "Email", f"thư điện tử {label}"),
        telephone=_optional(node, "Telephone", f"điện thoại {label}"),
    )


def _response_for_parse(node: etree._Element) -> ResponseFor:
    return ResponseFor(
        organ_id=_required_id(node, "OrganId", "Mã định danh cơ quan của văn bản được trả lời", limit=ORGAN_ID_MAX),
        document_id=_required_id(node, "DocumentId", "Mã gói tin được trả lời", limit=DOCUMENT_ID_MAX),
        code=_optional(node, "Code", "số, ký hiệu văn bản được trả lời"),
        promulgation_date=_optional_date(
            _optional(node, "PromulgationDate", "ngày ban hành văn bản được trả lời"),
            "Ngày ban hành văn bản được trả lời",
        ),
    )


def _signature_present(parent: etree._Element) -> None:
    if len(parent.findall(f"{{{DS}}}Signature")) != 1:
        raise ValidationFailed("Gói tin edXML phải có đúng một chữ ký số (Signature).")


def _attachments_parse(root: etree._Element) -> tuple[Attachment, ...]:
    """The files of the envelope, each equal to the SHA-256 of its manifest entry."""
    encoded = {
        node.get("ContentId", ""): node.text or ""
        for node in _find(root, "AttachmentEncoded", "tệp đính kèm").findall(_P + "Attachment")
    }
    references = _find(root, "edXMLBody/edXMLManifest", "danh mục tệp").findall(_P + "Reference")
    if not references:
        raise ValidationFailed("Gói tin edXML không có tệp văn bản nào trong danh mục (edXMLManifest).")
    attachments = []
    for reference in references:
        content_id = _text(reference, "ContentId", "mã tệp")
        name = _text(reference, "AttachmentName", "tên tệp")
        digest = _text(reference, "Digest", "mã băm tệp").lower()
        if content_id not in encoded:
            raise ValidationFailed(f"Thiếu nội dung tệp «{name}» ({content_id}) trong AttachmentEncoded.")
        try:
            payload = base64.b64decode(encoded.pop(content_id), validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ValidationFailed(f"Nội dung tệp «{name}» không phải là base64 hợp lệ.") from exc
        attachment = Attachment(
            content_id=content_id,
            name=name,
            content_type=_text(reference, "ContentType", "kiểu tệp"),
            data=payload,
            description=_optional(reference, "Description", "mô tả tệp"),
        )
        if attachment.sha256 != digest:
            raise ValidationFailed(f"Tệp «{name}» không toàn vẹn: mã băm SHA-256 không khớp với danh mục.")
        attachments.append(attachment)
    if encoded:
        raise ValidationFailed("Gói tin edXML có tệp không được khai báo trong danh mục (edXMLManifest).")
    return tuple(attachments)


def envelope_parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, with_files: bool = True) -> Envelope:
    """The envelope, every required element present and every attachment equal to its manifest digest.

    ``with_files=False`` reads the header only (lists of packages already checked on receipt).
    """
    root = document_load(data, max_bytes=max_bytes)
    if kind_of(root) != "envelope":
        raise ValidationFailed("Gói tin không phải là gói tin văn bản edXMLEnvelope.")
    head = _find(root, "edXMLHeader", "phần đầu gói tin")
    _signature_present(head)
    message = _find(head, "MessageHeader", "thông tin văn bản")
    to_nodes = message.findall(_P + "To")
    if not to_nodes:
        raise ValidationFailed("Gói tin edXML thiếu phần tử To (nơi nhận).")
    response_node = message.find(_P + "ResponseFor")
    header = MessageHeader(
        from_organ=_organ_parse(_find(message, "From", "nơi gửi"), "nơi gửi"),
        to_organs=tuple(_organ_parse(node, "nơi nhận") for node in to_nodes),
        code_number=_text(message, "Code/CodeNumber", "số văn bản"),
        code_notation=_text(message, "Code/CodeNotation", "ký hiệu văn bản"),
        place=_optional(message, "PromulgationInfo/Place", "nơi ban hành"),
        promulgation_date=_date(_text(message, "PromulgationInfo/PromulgationDate", "ngày ban hành"), "Ngày ban hành"),
        document_type=_text(message, "DocumentType/TypeName", "loại văn bản"),
        subject=_text(message, "Subject", "trích yếu"),
        content=_optional(message, "Content", "nội dung"),
        signer_competence=_optional(message, "SignerInfo/Competence", "thẩm quyền ký"),
        signer_position=_optional(message, "SignerInfo/Position", "chức vụ người ký"),
        signer_full_name=_text(message, "SignerInfo/FullName", "người ký"),
        due_date=_optional_date(_optional(message, "DueDate", "hạn trả lời"), "Hạn trả lời"),
        steering_type=_optional(message, "SteeringType", "loại chỉ đạo") or "0",
        response_for=_response_for_parse(response_node) if response_node is not None else None,
        priority=_optional(message, "OtherInfo/Priority", "độ khẩn") or "0",
        promulgation_amount=_int(_optional(message, "OtherInfo/PromulgationAmount", "số bản"), "Số bản"),
        page_amount=_int(_optional(message, "OtherInfo/PageAmount", "số trang"), "Số trang"),
    )
    traces = tuple(
        Trace(
            organ_id=_required_id(node, "OrganId", "Mã định danh cơ quan trên vết chuyển", limit=ORGAN_ID_MAX),
            timestamp=_timestamp(_text(node, "Timestamp", "thời điểm trên vết chuyển"), "Thời điểm trên vết chuyển"),
        )
        for node in _find(head, "TraceHeaderList", "vết chuyển").findall(_P + "TraceHeader")
    )
    attachments = _attachments_parse(root) if with_files else ()
    return Envelope(
        document_id=_required_id(message, "DocumentId", "Mã gói tin (DocumentId)", limit=DOCUMENT_ID_MAX),
        header=header,
        attachments=attachments,
        traces=traces,
    )


def status_parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Status:
    root = document_load(data, max_bytes=max_bytes)
    if kind_of(root) != "status":
        raise ValidationFailed("Gói tin không phải là gói tin trạng thái edXML:Status.")
    _signature_present(root)
    head = _find(root, "Header", "phần đầu gói tin trạng thái")
    code = _text(head, "StatusCode", "mã trạng thái")
    if code not in STATUS_CODES:
        raise ValidationFailed(f"Mã trạng thái edXML «{code}» không hợp lệ.")
    return Status(
        document_id=_required_id(head, "DocumentId", "Mã gói tin (DocumentId)", limit=DOCUMENT_ID_MAX),
        from_organ=_organ_parse(_find(head, "From", "nơi gửi"), "nơi gửi"),
        to_organ_id=_required_id(head, "To/OrganId", "Mã định danh nơi nhận", limit=ORGAN_ID_MAX),
        response_for=_response_for_parse(_find(head, "ResponseFor", "văn bản được trả lời")),
        code=code,
        description=_optional(head, "Description", "mô tả"),
        timestamp=_timestamp(_text(head, "Timestamp", "thời điểm"), "Thời điểm"),
        staff_name=_optional(head, "StaffInfo/FullName", "cán bộ"),
    )
