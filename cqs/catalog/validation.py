"""Rules for catalog data, shared by the services (one version edited by hand) and the import.

Each cleaner takes a raw mapping (from JSON, a spreadsheet row or a form) and returns the
cleaned values plus a list of ``(key, message)`` problems, so the caller decides how to name
the place of each problem (``Dòng 2``, ``procedures[3].documents[1].name``, ``Giấy tờ!B7``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from cqs.accounts.models import Role
from cqs.catalog import result_templates
from cqs.catalog.models import FormField, Level, OnlineLevel, ProcedureVersion, ProcessStep, RequiredDocument
from cqs.core.text import nfc
from cqs.units.models import Agency

Problems = list[tuple[str, str]]

PROCEDURE_CODE_RE = re.compile(r"^\d{1,3}(?:\.\d{1,9})+$")
FIELD_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
DECISION_NUMBER_RE = re.compile(r"^\d{1,6}(?:/\d{4})?/\w[\w.]*(?:-[\w.]+)*$")
FORM_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
PREFILL_KEYS = ("full_name", "citizen_id", "date_of_birth", "phone", "email", "address")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
MAX_DECIMAL = Decimal("99999.99")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def choice_values(choices: Iterable[tuple[str, Any]]) -> list[str]:
    return [value for value, _label in choices]


class Cleaner:
    """Reads typed values out of one raw mapping, collecting every problem instead of stopping."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.problems: Problems = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append((key, message))

    def _get(self, key: str) -> Any:
        value = self.raw.get(key)
        if isinstance(value, str):
            value = value.strip()
        return None if value == "" else value

    def text(self, key: str, label: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self._get(key)
        if value is None:
            if required:
                self.fail(key, _("%(label)s không được để trống.") % {"label": label})
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            self.fail(key, _("%(label)s phải là chữ.") % {"label": label})
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and ("\x00" in value or _CONTROL_RE.search(value)):
            self.fail(key, _("%(label)s chứa ký tự điều khiển không hợp lệ.") % {"label": label})
            return ""
        result = nfc(str(value)) if "\n" not in str(value) else "\n".join(nfc(x) for x in str(value).splitlines())
        result = result.strip()
        if max_length is not None and len(result) > max_length:
            self.fail(
                key,
                _("%(label)s dài quá %(max)d ký tự (đang có %(n)d).")
                % {"label": label, "max": max_length, "n": len(result)},
            )
        return result

    def integer(self, key: str, label: str, *, default: int | None = 0, maximum: int | None = None) -> int | None:
        value = self._get(key)
        if value is None:
            return default
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float | Decimal) and value == int(value):
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\d+", value.replace(".", "").replace(" ", "")):
            number = int(value.replace(".", "").replace(" ", ""))
        if number is None or number < 0:
            self.fail(key, _("%(label)s phải là số nguyên không âm.") % {"label": label})
            return default
        if maximum is not None and number > maximum:
            self.fail(
                key,
                _("%(label)s không được lớn hơn %(max)s.") % {"label": label, "max": f"{maximum:,}".replace(",", ".")},
            )
            return default
        return number

    def decimal(self, key: str, label: str, *, required: bool = False, positive: bool = False) -> Decimal | None:
        value = self._get(key)
        if value is None:
            if required:
                self.fail(key, _("%(label)s không được để trống.") % {"label": label})
            return None
        number: Decimal | None = None
        if not isinstance(value, bool):
            try:
                number = (
                    Decimal(str(value).replace(",", ".")) if isinstance(value, str | int | float | Decimal) else None
                )
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite() or number < 0 or (positive and number == 0):
            message = _("%(label)s phải là số dương.") if positive else _("%(label)s phải là số không âm.")
            self.fail(key, message % {"label": label})
            return None
        if number > MAX_DECIMAL or number != number.quantize(Decimal("0.01")):
            self.fail(key, _("%(label)s phải nhỏ hơn 100.000 và có tối đa 2 chữ số thập phân.") % {"label": label})
            return None
        return number.quantize(Decimal("0.01"))

    def boolean(self, key: str, label: str, *, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            folded = value.lower()
            if folded in {"true", "có", "co", "x", "1", "yes", "đúng"}:
                return True
            if folded in {"false", "không", "khong", "0", "no", "sai"}:
                return False
        self.fail(key, _("%(label)s phải là true hoặc false.") % {"label": label})
        return default

    def choice(self, key: str, label: str, allowed: Iterable[str], *, default: str | None = None) -> str:
        options = list(allowed)
        value = self._get(key)
        if value is None:
            if default is None:
                self.fail(key, _("%(label)s không được để trống.") % {"label": label})
                return ""
            return default
        if not isinstance(value, str) or value not in options:
            shown = ", ".join(o for o in options if o) or "—"
            self.fail(
                key,
                _("%(label)s “%(value)s” không hợp lệ; chọn một trong: %(options)s.")
                % {"label": label, "value": value, "options": shown},
            )
            return default or ""
        return value

    def date(self, key: str, label: str, *, required: bool = False) -> dt.date | None:
        value = self._get(key)
        if value is None:
            if required:
                self.fail(key, _("%(label)s không được để trống.") % {"label": label})
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.fail(
                key,
                _("%(label)s “%(value)s” không phải ngày hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy).")
                % {"label": label, "value": value},
            )
        return parsed

    def time(self, key: str, label: str) -> dt.time | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, dt.time):
            return value.replace(second=0, microsecond=0)
        if isinstance(value, str):
            match = re.fullmatch(r"(\d{1,2})[:hg](\d{2})(?::00)?", value)
            if match and int(match[1]) < 24 and int(match[2]) < 60:
                return dt.time(int(match[1]), int(match[2]))
        self.fail(
            key,
            _("%(label)s “%(value)s” không phải giờ hợp lệ (HH:MM, ví dụ 15:00).") % {"label": label, "value": value},
        )
        return None

    def unknown(self, allowed: Iterable[str]) -> None:
        known = set(allowed)
        for key in self.raw:
            if key not in known:
                self.fail(str(key), _("Không có thông tin “%(key)s” trong định dạng danh mục.") % {"key": key})


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


# ---------------------------------------------------------------- list items

DOCUMENT_KEYS = (
    "name",
    "originals",
    "copies",
    "optional",
    "is_optional",
    "template_name",
    "replaceable_by",
    "declaration",
    "is_declaration",
    "note",
)
FEE_KEYS = ("name", "amount", "quantity_field", "note")
FORM_FIELD_KEYS = ("key", "label", "type", "required", "choices", "help_text", "prefill")
PROCESS_STEP_KEYS = ("name", "role", "unit_kind", "duration_hours")


def clean_document(raw: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
    c = Cleaner(raw)
    c.unknown(DOCUMENT_KEYS)
    optional_key = "is_optional" if "is_optional" in raw and "optional" not in raw else "optional"
    declaration_key = "is_declaration" if "is_declaration" in raw and "declaration" not in raw else "declaration"
    data = {
        "name": c.text("name", _("Tên giấy tờ"), required=True, max_length=1000),
        "originals": c.integer("originals", _("Số bản chính"), maximum=100),
        "copies": c.integer("copies", _("Số bản sao"), maximum=100),
        "is_optional": c.boolean(optional_key, _("Không bắt buộc"), default=False),
        "template_name": c.text("template_name", _("Mẫu đơn, tờ khai"), max_length=300),
        "replaceable_by": c.choice(
            "replaceable_by",
            _("Thay thế bằng dữ liệu"),
            choice_values(RequiredDocument.NationalData.choices),
            default="",
        ),
        "is_declaration": c.boolean(declaration_key, _("Là tờ khai"), default=False),
        "note": c.text("note", _("Ghi chú"), max_length=1000),
    }
    if data["is_declaration"] and (data["is_optional"] or data["replaceable_by"]):
        c.fail(
            declaration_key,
            _("Tờ khai lập từ tờ khai điện tử là giấy tờ bắt buộc, không thay bằng dữ liệu có sẵn."),
        )
    return data, c.problems


def clean_fee(raw: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
    c = Cleaner(raw)
    c.unknown(FEE_KEYS)
    amount = c.integer("amount", _("Mức thu (đồng)"), default=None, maximum=10**15)
    if amount is None and not any(k == "amount" for k, _m in c.problems):
        c.fail("amount", _("Mức thu (đồng) không được để trống; ghi 0 nếu miễn phí."))
    quantity_field = c.text("quantity_field", _("Nhân theo trường tờ khai"), max_length=60)
    if quantity_field and not FORM_KEY_RE.match(quantity_field):
        c.fail(
            "quantity_field",
            _("Nhân theo trường tờ khai: ghi mã một trường của tờ khai (ví dụ so_ban_sao), không phải “%(v)s”.")
            % {"v": quantity_field},
        )
    data = {
        "name": c.text("name", _("Tên phí, lệ phí"), required=True, max_length=300),
        "amount": amount if amount is not None else 0,
        "quantity_field": quantity_field,
        "note": c.text("note", _("Ghi chú"), max_length=500),
    }
    return data, c.problems


def _clean_choices(c: Cleaner, field_type: str) -> list[str]:
    raw = c.raw.get("choices")
    if raw is None or raw == "":
        values: list[str] = []
    elif isinstance(raw, str):
        values = [nfc(x) for x in re.split(r"[;\n]", raw) if x.strip()]
    elif isinstance(raw, list) and all(isinstance(x, str | int) and not isinstance(x, bool) for x in raw):
        values = [nfc(str(x)) for x in raw if str(x).strip()]
    else:
        c.fail("choices", _("Các lựa chọn phải là danh sách chữ."))
        return []
    if any(_CONTROL_RE.search(v) for v in values):
        c.fail("choices", _("Các lựa chọn chứa ký tự điều khiển không hợp lệ."))
        return []
    if field_type == FormField.Type.CHOICE:
        if not values:
            c.fail("choices", _("Trường kiểu “Chọn một” cần ít nhất một lựa chọn."))
        elif len(set(values)) != len(values):
            c.fail("choices", _("Các lựa chọn bị trùng nhau."))
        elif any(len(v) > 300 for v in values):
            c.fail("choices", _("Mỗi lựa chọn dài tối đa 300 ký tự."))
    elif values:
        c.fail("choices", _("Chỉ trường kiểu “Chọn một” mới có các lựa chọn."))
    return values


def clean_form_field(raw: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
    c = Cleaner(raw)
    c.unknown(FORM_FIELD_KEYS)
    key = c.text("key", _("Mã trường"), required=True, max_length=60)
    if key and not FORM_KEY_RE.match(key):
        c.fail(
            "key",
            _("Mã trường “%(key)s” chỉ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ.")
            % {"key": key},
        )
    field_type = c.choice("type", _("Kiểu trường"), choice_values(FormField.Type.choices))
    data = {
        "key": key,
        "label": c.text("label", _("Nhãn"), required=True, max_length=300),
        "type": field_type,
        "required": c.boolean("required", _("Bắt buộc"), default=True),
        "choices": _clean_choices(c, field_type),
        "help_text": c.text("help_text", _("Hướng dẫn"), max_length=500),
        "prefill": c.choice("prefill", _("Điền sẵn"), ["", *PREFILL_KEYS], default=""),
    }
    return data, c.problems


def clean_process_step(raw: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
    c = Cleaner(raw)
    c.unknown(PROCESS_STEP_KEYS)
    data = {
        "name": c.text("name", _("Nội dung công việc"), required=True, max_length=500),
        "role": c.choice("role", _("Vai trò thực hiện"), choice_values(Role.choices)),
        "unit_kind": c.choice("unit_kind", _("Bộ phận thực hiện"), choice_values(ProcessStep.UnitKind.choices)),
        "duration_hours": c.decimal("duration_hours", _("Thời gian (giờ làm việc)"), required=True, positive=True),
    }
    return data, c.problems


ITEM_CLEANERS = {
    "documents": clean_document,
    "fees": clean_fee,
    "form_fields": clean_form_field,
    "process_steps": clean_process_step,
}


def clean_items(kind: str, items: Any) -> tuple[list[dict[str, Any]], list[tuple[int | None, str, str]]]:
    """Clean a list of items; problems are ``(index, key, message)`` (index None for the list itself)."""
    if not isinstance(items, list):
        return [], [(None, "", _("Phải là một danh sách."))]
    cleaner = ITEM_CLEANERS[kind]
    cleaned: list[dict[str, Any]] = []
    problems: list[tuple[int | None, str, str]] = []
    seen_keys: dict[str, int] = {}
    declaration: int | None = None
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            problems.append((index, "", _("Mỗi mục phải là một đối tượng có các thông tin của nó.")))
            continue
        data, item_problems = cleaner(raw)
        problems.extend((index, key, message) for key, message in item_problems)
        if kind == "form_fields" and data["key"]:
            if data["key"] in seen_keys:
                problems.append(
                    (
                        index,
                        "key",
                        _("Mã trường “%(key)s” trùng với dòng %(row)d.")
                        % {"key": data["key"], "row": seen_keys[data["key"]] + 1},
                    )
                )
            else:
                seen_keys[data["key"]] = index
        if kind == "documents" and data["is_declaration"]:
            if declaration is not None:
                problems.append(
                    (
                        index,
                        "declaration",
                        _("Chỉ một giấy tờ là tờ khai lập từ tờ khai điện tử (đã có ở dòng %(row)d).")
                        % {"row": declaration + 1},
                    )
                )
            else:
                declaration = index
        cleaned.append(data)
    return cleaned, problems


# ---------------------------------------------------------------- version scalars

TEXT_FIELDS: dict[str, tuple[str, int | None]] = {
    "name": ("Tên thủ tục", 500),
    "deciding_authority": ("Cơ quan có thẩm quyền quyết định", 300),
    "steps": ("Trình tự thực hiện", None),
    "method": ("Cách thức thực hiện", None),
    "applicants": ("Đối tượng thực hiện", None),
    "conditions": ("Yêu cầu, điều kiện", None),
    "legal_basis": ("Căn cứ pháp lý", None),
    "processing_time_note": ("Ghi chú thời hạn", 500),
    "result_type": ("Kết quả thực hiện", 500),
    "result_template": ("Mẫu kết quả điện tử", result_templates.MAX_LENGTH),
    "fee_note": ("Ghi chú phí, lệ phí", None),
    "change_note": ("Nội dung thay đổi", None),
}
SCALAR_KEYS = (
    *TEXT_FIELDS,
    "level",
    "online_level",
    "processing_time",
    "processing_time_unit",
    "afternoon_cutoff",
)


def clean_version_scalars(raw: Mapping[str, Any], *, partial: bool) -> tuple[dict[str, Any], Problems]:
    """The scalar fields of a version; with ``partial`` only the keys present are read."""
    c = Cleaner(raw)
    data: dict[str, Any] = {}
    for key, (label, max_length) in TEXT_FIELDS.items():
        if not partial or key in raw:
            data[key] = c.text(key, _(label), required=key == "name", max_length=max_length)
    for problem in result_templates.template_problems(data.get("result_template", "")):
        c.fail("result_template", problem)
    if not partial or "level" in raw:
        data["level"] = c.choice("level", _("Cấp thực hiện"), choice_values(Level.choices))
    if not partial or "online_level" in raw:
        data["online_level"] = c.choice("online_level", _("Mức độ trực tuyến"), choice_values(OnlineLevel.choices))
    if not partial or "processing_time" in raw:
        data["processing_time"] = c.decimal("processing_time", _("Thời hạn giải quyết"))
    if not partial or "processing_time_unit" in raw:
        data["processing_time_unit"] = c.choice(
            "processing_time_unit",
            _("Đơn vị thời hạn"),
            choice_values(ProcedureVersion.TimeUnit.choices),
            default=ProcedureVersion.TimeUnit.WORKING_DAYS,
        )
    if not partial or "afternoon_cutoff" in raw:
        data["afternoon_cutoff"] = c.time("afternoon_cutoff", _("Giờ tiếp nhận muộn nhất trong ngày"))
    return data, c.problems


def clean_agency_kinds(raw: Any) -> tuple[list[str], Problems]:
    """Agency kinds ("every active agency of this kind"), each once, in the order of ``Agency.Kind``."""
    if raw is None or raw == "":
        return [], []
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        return [], [("agency_kinds", _("Loại cơ quan thực hiện phải là danh sách."))]
    given = [str(kind).strip() for kind in raw]
    unknown = [kind for kind in given if kind not in Agency.Kind.values]
    if unknown:
        return [], [("agency_kinds", _("Không có loại cơ quan “%(kind)s”.") % {"kind": kind}) for kind in unknown]
    return [kind for kind in Agency.Kind.values if kind in given], []


# ---------------------------------------------------------------- publication rules


def check_decision(
    *, number: Any, decision_date: dt.date | None, effective_from: dt.date | None, today: dt.date
) -> Problems:
    problems: Problems = []
    text = nfc(str(number)) if number is not None else ""
    if not text:
        problems.append(("number", _("Số quyết định công bố không được để trống.")))
    elif not DECISION_NUMBER_RE.match(text):
        problems.append(
            ("number", _("Số quyết định “%(n)s” không đúng dạng số/ký hiệu (ví dụ 1234/QĐ-UBND).") % {"n": text})
        )
    if decision_date is None:
        problems.append(("date", _("Ngày quyết định không được để trống.")))
    elif decision_date > today:
        problems.append(("date", _("Ngày quyết định không được sau ngày hôm nay.")))
    if effective_from is None:
        problems.append(("effective_from", _("Ngày có hiệu lực không được để trống.")))
    elif decision_date is not None and effective_from < decision_date:
        problems.append(("effective_from", _("Ngày có hiệu lực không được trước ngày quyết định.")))
    return problems


def missing_components(
    *,
    name: str,
    steps: str,
    method: str,
    has_documents: bool,
    processing_time: Decimal | None,
    applicants: str,
    has_agencies: bool,
    has_process_steps: bool,
    online_level: str,
    form_fields: list[dict[str, Any]],
    has_fees: bool,
    fee_quantity_fields: Iterable[str] = (),
    has_declaration: bool = False,
    process_roles: Iterable[str] = (),
) -> list[str]:
    """The Vietnamese names of what Decision 766 criterion 1.3 (and our own rules) still miss.

    ``has_agencies``: specific agencies or agency kinds ("every commune People's Committee").
    ``fee_quantity_fields``: the e-form keys fees are multiplied by (each must be an integer field);
    ``has_declaration``: a document is the declaration made from the e-form (which then must exist).
    ``process_roles``: the roles of the internal process's steps. A full-online procedure (toàn trình)
    always ends in an electronic result signed by a leader at approval, so its process needs a leader's step.
    """
    missing: list[str] = []
    if not (name or "").strip():
        missing.append(_("tên thủ tục"))
    if not (steps or "").strip():
        missing.append(_("trình tự thực hiện"))
    if not (method or "").strip():
        missing.append(_("cách thức thực hiện"))
    if not has_documents:
        missing.append(_("thành phần hồ sơ"))
    if processing_time is None:
        missing.append(_("thời hạn giải quyết"))
    if not (applicants or "").strip():
        missing.append(_("đối tượng thực hiện"))
    if not has_agencies:
        missing.append(_("cơ quan thực hiện"))
    if not has_process_steps:
        missing.append(_("quy trình nội bộ (ít nhất một bước)"))
    if online_level == OnlineLevel.FULL and Role.LEADER not in set(process_roles):
        missing.append(_("bước lãnh đạo phê duyệt trong quy trình (dịch vụ toàn trình trả kết quả điện tử ký số)"))
    eform_missing = False
    if online_level and online_level != OnlineLevel.NONE:
        valid = bool(form_fields) and all(
            f.get("type") != FormField.Type.CHOICE or f.get("choices") for f in form_fields
        )
        if not valid:
            eform_missing = True
            missing.append(_("tờ khai điện tử (bắt buộc khi cung cấp trực tuyến)"))
    if not has_fees:
        missing.append(_("phí, lệ phí (ghi mức 0 nếu miễn)"))
    if not eform_missing:
        integers = {f.get("key") for f in form_fields if f.get("type") == FormField.Type.INTEGER}
        for key in sorted(set(fee_quantity_fields) - integers):
            missing.append(_("trường số nguyên “%(key)s” của tờ khai (mức phí nhân theo trường này)") % {"key": key})
        if has_declaration and not form_fields:
            missing.append(_("tờ khai điện tử (một giấy tờ được lập từ tờ khai điện tử)"))
    return missing
