"""The bodies and the answers of the outgoing documents endpoints (``api.outgoing``)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from cqs.core.api import StrictBody
from cqs.documents.api import common
from cqs.documents.outgoing.services import MAX_COPIES

# ---------------------------------------------------------------- bodies


class RecipientIn(StrictBody):
    channel: Literal["internal", "edxml", "paper"]
    agency: str = Field(
        "",
        max_length=40,
        description=(
            "internal: mã định danh điện tử của cơ quan nhận; paper: cơ quan trong hệ thống nhận bản giấy (tùy chọn)."
        ),
    )
    organ_id: str = Field("", max_length=40, description="edxml: mã định danh của cơ quan liên thông.")
    name: str = Field("", max_length=300, description="paper: tên nơi nhận (bắt buộc).")


class OutgoingIn(StrictBody):
    drafting_department: int = Field(ge=1, le=common.MAX_ID, description="Mã (id) đơn vị soạn thảo.")
    document_type: int = Field(ge=1, le=common.MAX_ID, description="Mã (id) loại văn bản.")
    subject: str = Field(max_length=1000)
    urgency: str = Field("normal", max_length=12)
    secrecy: str = Field("normal", max_length=12)
    signer: int = Field(ge=1, le=common.MAX_ID, description="Mã (id) tài khoản lãnh đạo ký.")
    signing_authority: str = Field("", max_length=5, description="TM., KT., TL., TUQ., Q. hoặc rỗng.")
    signer_position: str = Field("", max_length=150)
    copies: int = Field(1, ge=1, le=MAX_COPIES)
    keeping_department: int | None = Field(None, ge=1, le=common.MAX_ID)
    recipients: list[RecipientIn] = Field(max_length=200)


class CreateIn(OutgoingIn):
    reply_to: int | None = Field(None, ge=1, le=common.MAX_ID, description="Mã (id) văn bản đến được trả lời.")


class CommentIn(StrictBody):
    text: str = Field(max_length=5000)


class SubmitIn(StrictBody):
    reviewers: list[int] = Field(
        default_factory=list, max_length=10, description="Mã (id) người cho ý kiến, theo thứ tự."
    )


class ReviewIn(StrictBody):
    approve: bool
    comment: str = Field("", max_length=5000)


class ReasonIn(StrictBody):
    reason: str = Field(max_length=500)


class EmptyIn(StrictBody):
    pass


# ---------------------------------------------------------------- answers


class RecipientOut(Schema):
    channel: str
    name: str
    agency: str | None
    organ_id: str
    sent_at: Any
    status_code: str


class StepOut(Schema):
    round: int
    order: int
    reviewer: common.PersonOut
    decision: str
    comment: str
    decided_at: Any


class CommentOut(Schema):
    author: common.PersonOut
    text: str
    draft_version: int | None
    created_at: Any


class OutgoingRowOut(Schema):
    id: int
    code: str
    status: str
    status_label: str
    document_type: str
    subject: str
    urgency: str
    secrecy: str
    drafting_department: str
    drafter: common.PersonOut
    signer: common.PersonOut | None
    issued_at: Any
    url: str


class OutgoingPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[OutgoingRowOut]


class OutgoingDetailOut(OutgoingRowOut):
    agency: str
    number: int | None
    year: int | None
    notation: str
    signing_authority: str
    signer_position: str
    signed_at: Any
    copies: int
    verification_code: str
    reply_to: int | None
    recipients: list[RecipientOut]
    files: list[common.FileOut]
    review_steps: list[StepOut]
    comments: list[CommentOut]
    actions: list[str]
    issued_late: bool
    issued_file: int | None
