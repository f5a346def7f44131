"""The result template of a procedure version: a small HTML fragment with ``{{ placeholders }}``.

Why plain substitution and not Django's template engine: the text is written by a catalogue
manager and rendered for every dossier, so it must not be able to run tags (``{% include %}``,
``{% load %}``, ``{% debug %}``), apply filters or walk attributes of the objects it is given.
Here it can only name values from a fixed list (``PLACEHOLDERS``) or a field of the e-form
(``{{ to_khai.<mã trường> }}``); each value is HTML-escaped where it lands.

The fragment itself is reduced to a few formatting tags (``ALLOWED_TAGS``) without attributes
other than ``colspan``/``rowspan`` and simple class names: no links, images, styles or scripts,
so the PDF renderer is never asked to fetch anything. ``template_problems`` tells the manager what
would be dropped or left blank before the version is saved.

A version without its own template gets the default of its kind of result (``result_kind``):
a certificate or confirmation, an attestation, or a notice of the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from html.parser import HTMLParser

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.core.text import fold

MAX_LENGTH = 20_000
FORM_PREFIX = "to_khai."
BLANK = "……………………"

# Placeholder → what it stands for (shown to the catalogue manager).
PLACEHOLDERS: dict[str, object] = {
    "ho_ten": gettext_lazy("Họ và tên người nộp hồ sơ"),
    "so_dinh_danh": gettext_lazy("Số định danh cá nhân hoặc mã số thuế"),
    "dia_chi": gettext_lazy("Địa chỉ người nộp"),
    "ten_thu_tuc": gettext_lazy("Tên thủ tục hành chính"),
    "ma_ho_so": gettext_lazy("Mã hồ sơ"),
    "ngay_quyet_dinh": gettext_lazy("Ngày phê duyệt kết quả (dd/mm/yyyy)"),
    "noi_dung_ket_qua": gettext_lazy("Nội dung kết quả giải quyết (do cán bộ xử lý soạn)"),
    "co_quan": gettext_lazy("Tên cơ quan giải quyết"),
    "ket_qua_thuc_hien": gettext_lazy("Kết quả thực hiện của thủ tục (loại giấy tờ)"),
}

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)?)\s*\}\}")
_CLASS_RE = re.compile(r"^[a-z0-9\- ]{1,60}$")

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "div",
        "span",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "blockquote",
    }
)
_VOID_TAGS = frozenset({"br", "hr"})
# Dropped with everything inside them.
_DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "svg", "math", "template", "head"})
_CELL_ATTRS = frozenset({"colspan", "rowspan"})


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0
        self.refused: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.refused.add(tag)
            if tag not in _VOID_TAGS:
                self.dropping += 1
            return
        if self.dropping:
            return
        if tag not in ALLOWED_TAGS:
            self.refused.add(tag)
            return
        kept = []
        for name, value in attrs:
            value = value or ""
            if tag in ("td", "th") and name in _CELL_ATTRS and value.isdigit() and 0 < int(value) <= 20:
                kept.append(f' {name}="{value}"')
            elif name == "class" and _CLASS_RE.match(value):
                kept.append(f' class="{value}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in _VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.open and tag not in _VOID_TAGS and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def _sanitise(html: str) -> tuple[str, set[str]]:
    parser = _Sanitiser()
    parser.feed(html)
    return parser.result(), parser.refused


def sanitise(html: str) -> str:
    """The fragment with only the allowed tags and attributes; text escaped; everything else dropped."""
    return _sanitise(html)[0]


def template_problems(text: str) -> list[str]:
    """What is wrong with a result template, in Vietnamese (empty when it can be saved)."""
    problems: list[str] = []
    if len(text) > MAX_LENGTH:
        problems.append(
            _("Mẫu kết quả điện tử dài quá %(max)d ký tự (đang có %(n)d).") % {"max": MAX_LENGTH, "n": len(text)}
        )
    if "{%" in text:
        problems.append(_("Mẫu kết quả điện tử không dùng thẻ lệnh {% … %}; chỉ dùng trường thay thế {{ … }}."))
    unknown = sorted(
        {
            name
            for name in PLACEHOLDER_RE.findall(text)
            if name not in PLACEHOLDERS and not (name.startswith(FORM_PREFIX) and len(name) > len(FORM_PREFIX))
        }
    )
    if unknown:
        problems.append(
            _("Mẫu kết quả điện tử có trường thay thế không có sẵn: %(names)s. Các trường có sẵn: %(known)s.")
            % {
                "names": ", ".join("{{ " + name + " }}" for name in unknown),
                "known": ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS),
            }
        )
    if PLACEHOLDER_RE.sub("", text).count("{{"):
        problems.append(_("Mẫu kết quả điện tử có trường thay thế viết sai; viết dạng {{ ho_ten }}."))
    refused = _sanitise(text)[1]
    if refused:
        problems.append(
            _("Mẫu kết quả điện tử dùng thẻ HTML không được phép: %(tags)s.")
            % {"tags": ", ".join(f"<{tag}>" for tag in sorted(refused))}
        )
    return problems


def render(template: str, *, values: Mapping[str, str], form: Mapping[str, object]) -> str:
    """The sanitised fragment with each placeholder replaced by its escaped value (a blank line if none)."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith(FORM_PREFIX):
            raw = form.get(name[len(FORM_PREFIX) :])
            if raw is True:
                raw = _("Có")
            elif raw is False:
                raw = _("Không")
        else:
            raw = values.get(name)
        text = "" if raw is None else str(raw).strip()
        return escape(text).replace("\n", "<br>") if text else BLANK

    return PLACEHOLDER_RE.sub(value_of, sanitise(template))


# ---------------------------------------------------------------- defaults by kind of result

CERTIFICATE = "certificate"
ATTESTATION = "attestation"
NOTICE = "notice"

_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (ATTESTATION, ("chung thuc",)),
    (CERTIFICATE, ("giay chung nhan", "giay xac nhan", "giay khai sinh", "trich luc", "giay phep", "chung chi")),
)

_PERSON_ROWS = (
    '<table class="result-facts">'
    "<tr><th>Họ và tên</th><td><strong>{{ ho_ten }}</strong></td></tr>"
    "<tr><th>Số định danh cá nhân / mã số thuế</th><td>{{ so_dinh_danh }}</td></tr>"
    "<tr><th>Địa chỉ</th><td>{{ dia_chi }}</td></tr>"
    "</table>"
)

DEFAULT_TEMPLATES: dict[str, str] = {
    CERTIFICATE: (
        "<p>{{ co_quan }} chứng nhận:</p>"
        + _PERSON_ROWS
        + "<p><strong>Nội dung:</strong></p><p>{{ noi_dung_ket_qua }}</p>"
        "<p>Giải quyết theo hồ sơ số {{ ma_ho_so }}, thủ tục {{ ten_thu_tuc }}; "
        "phê duyệt ngày {{ ngay_quyet_dinh }}.</p>"
    ),
    ATTESTATION: (
        "<p>{{ co_quan }} chứng thực theo yêu cầu của:</p>"
        + _PERSON_ROWS
        + "<p><strong>Nội dung chứng thực:</strong></p><p>{{ noi_dung_ket_qua }}</p>"
        "<p>Hồ sơ số {{ ma_ho_so }}; chứng thực ngày {{ ngay_quyet_dinh }}.</p>"
    ),
    NOTICE: (
        "<p>Kính gửi: Ông/Bà <strong>{{ ho_ten }}</strong> "
        "(số định danh cá nhân / mã số thuế {{ so_dinh_danh }}), địa chỉ {{ dia_chi }}.</p>"
        "<p>{{ co_quan }} thông báo kết quả giải quyết hồ sơ số {{ ma_ho_so }} "
        "về thủ tục {{ ten_thu_tuc }} như sau:</p>"
        "<p>{{ noi_dung_ket_qua }}</p>"
        "<p>Kết quả được phê duyệt ngày {{ ngay_quyet_dinh }}.</p>"
    ),
}


def result_kind(result_type: str) -> str:
    """certificate, attestation or notice, from the words of the version's “kết quả thực hiện”."""
    folded = fold(result_type or "")
    for kind, words in _KIND_WORDS:
        if any(word in folded for word in words):
            return kind
    return NOTICE


def result_title(result_type: str) -> str:
    """The printed title: the result type up to its first remark (“Giấy khai sinh (bản chính)…” → “Giấy khai sinh”)."""
    title = re.split(r"\(|;|,| và | hoặc ", result_type or "", maxsplit=1)[0].strip(" .:-")
    return title or _("Kết quả giải quyết thủ tục hành chính")


def template_for(*, result_template: str, result_type: str) -> str:
    """The version's own template, else the default of its kind of result."""
    return result_template.strip() or DEFAULT_TEMPLATES[result_kind(result_type)]
