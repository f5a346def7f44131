"""What every API error looks like (``ApplicationError.as_dict`` and the handlers in config/api.py)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field as PydanticField


class ErrorOut(Schema):
    code: str = PydanticField(description="Mã lỗi cho máy đọc.")
    message: str = PydanticField(description="Thông báo lỗi bằng tiếng Việt.")
    detail: dict[str, Any] | None = PydanticField(
        None, description="Chi tiết, ví dụ danh sách lỗi theo từng trường hoặc từng vị trí."
    )
