"""What the header offers each person and where each lands after logging in.

One place decides both, from the roles the person holds, and asks the same predicates as the
pages it links to: the header never shows a page its reader would get 404 on, and the
"Quản trị" entry appears only when the administration page has something for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import Role
from cqs.accounts.permissions import roles_by_agency, user_is_verified_official
from cqs.catalog.permissions import CATALOG_ROLES
from cqs.signing.selectors import certificate_of_user

DOSSIER_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK})
DOCUMENT_ROLES = frozenset({Role.SPECIALIST, Role.LEADER, Role.CLERK})


@dataclass(frozen=True)
class Link:
    label: Any
    url: str
    prefix: str  # a page under this path marks the link as the current section

    def current(self, path: str) -> bool:
        return path.startswith(self.prefix)


@dataclass(frozen=True)
class Section:
    """One entry of the administration page."""

    url: str
    title: Any
    description: Any


def held_roles(user: Any) -> set[str]:
    """The roles an active official holds in any agency (none for citizens and visitors)."""
    return set().union(*roles_by_agency(user).values()) if roles_by_agency(user) else set()


def _manages_catalog(roles: set[str]) -> bool:
    """``catalog.permissions.can_manage_catalog`` from roles already read (no query per header)."""
    return bool(roles & set(CATALOG_ROLES))


def admin_sections(user: Any) -> list[Section]:
    """The administration page's entries this official may open (empty: no "Quản trị" at all)."""
    roles = held_roles(user)
    sections = []
    if _manages_catalog(roles):
        sections.append(
            Section(
                reverse("catalog:manage"),
                _("Thủ tục hành chính"),
                _("Soạn, kiểm tra, công bố phiên bản thủ tục; nhập và xuất danh mục."),
            )
        )
    if roles and certificate_of_user(user) is not None:
        sections.append(
            Section(
                reverse("signing:my_signature"),
                _("Chữ ký số của tôi"),
                _("Chứng thư số cá nhân và ảnh chữ ký hiện trên văn bản bạn ký số."),
            )
        )
    if Role.ADMINISTRATOR in roles:
        sections += [
            Section(
                reverse("administration:official_accounts"),
                _("Tài khoản cán bộ"),
                _("Cấp mã kích hoạt xác thực hai lớp và mã đặt lại mật khẩu cho cán bộ của cơ quan."),
            ),
            Section(
                reverse("administration:calendar"),
                _("Lịch làm việc"),
                _("Ngày nghỉ lễ, ngày làm bù và nghỉ bù dùng để tính thời hạn."),
            ),
            Section(
                reverse("administration:documents_setup"),
                _("Văn bản: cơ quan và đơn vị"),
                _("Chữ viết tắt trong ký hiệu văn bản, các đơn vị trong cơ quan và cán bộ của từng đơn vị."),
            ),
            Section(
                reverse("administration:exchange_partners"),
                _("Liên thông văn bản"),
                _("Cơ quan gửi, nhận văn bản qua trục liên thông (edXML) và CA gốc tin cậy cho chữ ký số của họ."),
            ),
            Section(
                reverse("administration:failed_jobs"),
                _("Tác vụ nền bị lỗi"),
                _("Thư, tin nhắn, gói tin liên thông, việc định kỳ lỗi sau mọi lần thử lại; chạy lại từng tác vụ."),
            ),
        ]
    if user.is_staff:  # Django's own admin lets in staff accounts only
        sections.append(
            Section(
                reverse("admin:index"), _("Quản trị dữ liệu (Django)"), _("Xem đơn vị hành chính, cơ quan, tài khoản.")
            )
        )
    return sections


def work_links(user: Any) -> list[Link]:
    """The header's links for this person, in the order of their daily work."""
    if not getattr(user, "is_authenticated", False):
        return _public_links()
    if not user.is_official:
        return [*_public_links(), Link(_("Hồ sơ của tôi"), reverse("portal:dossiers"), "/ho-so-cua-toi/")]
    if not user_is_verified_official(user):
        return []
    roles = held_roles(user)
    links = []
    if Role.LEADER in roles:
        links.append(Link(_("Chờ tôi ký"), reverse("desk:awaiting_me"), reverse("desk:awaiting_me")))
    if roles & DOSSIER_ROLES:
        links.append(Link(_("Một cửa"), reverse("desk:worklist"), "/mot-cua/"))
    if roles & DOCUMENT_ROLES:
        links.append(Link(_("Văn bản"), reverse("documents:incoming_list"), "/van-ban/"))
    if _manages_catalog(roles):
        links.append(Link(_("Thủ tục"), reverse("catalog:manage"), "/quan-tri/thu-tuc/"))
    shown = {link.url for link in links}
    if any(section.url not in shown for section in admin_sections(user)):
        links.append(Link(_("Quản trị"), reverse("administration:index"), "/quan-tri/"))
    return links


def _public_links() -> list[Link]:
    return [
        Link(_("Thủ tục"), reverse("portal:procedures"), "/thu-tuc/"),
        Link(_("Tra cứu hồ sơ"), reverse("portal:dossier_lookup"), "/tra-cuu-ho-so/"),
    ]


def landing_url(user: Any) -> str:
    """Where a person lands after logging in when no page asked for it (``next``)."""
    if not getattr(user, "is_authenticated", False):
        return reverse("portal:home")
    if not user.is_official:
        return reverse("portal:dossiers")
    roles = held_roles(user)
    for role, name in (
        (Role.LEADER, "desk:awaiting_me"),
        (Role.ONE_STOP_OFFICER, "desk:worklist"),
        (Role.SPECIALIST, "desk:worklist"),
        (Role.CLERK, "documents:exchange_pending"),
        (Role.CATALOG_MANAGER, "catalog:manage"),
        (Role.ADMINISTRATOR, "administration:index"),
    ):
        if role in roles:
            return reverse(name)
    return reverse("accounts:profile")
