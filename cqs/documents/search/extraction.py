"""The text and the page count of a PDF, read within limits so that no file can burn a web process.

An 8 KB PDF can inflate to a million characters that take many seconds to lay out. The reading
happens in a child process (forked: pypdf is already loaded, so it starts in milliseconds) that
caps its own CPU time, memory and file writes, with pypdf's decompression and parsing limits
lowered (``pdf_worker``), and never touches the database; the parent reads its answer from a pipe
and kills it past the wall-clock limit. Limits, from the settings:

- ``CQS_TEXT_EXTRACTION_SECONDS`` (5): CPU time of one file (the wait for it: twice that, plus one);
- ``CQS_TEXT_EXTRACTION_MEMORY_MB`` (512): the child's address space;
- ``MAX_PAGES`` pages and ``MAX_CHARS`` characters read (the start of a long file is searched);
- 20 MB of any one stream once inflated (``pdf_worker.DECOMPRESSED_MAX``).

``pdf_text_extract`` returns what was read and, when something stopped it, why (``problem``, in
Vietnamese): a file read only in part keeps the start of its text; one that timed out, ran out of
memory or could not be read keeps no text. The page count is known as soon as the page tree is
read, even when the text is not.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import select
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from cqs.documents.search import pdf_worker

logger = logging.getLogger(__name__)

MAX_PAGES = 500
MAX_CHARS = 200_000
_READ = 64 * 1024


@dataclass(frozen=True)
class Extraction:
    text: str
    pages: int | None  # None: the page tree could not be read
    problem: str = ""  # why the text is partial or missing; "" when every page was read
    places: dict[str, list[float]] = field(default_factory=dict)  # see ``pdf_worker``: number and date boxes


def _problem(end: str, *, seconds: int) -> str:
    return {
        "": "",
        "pages": _("Văn bản dài quá %(n)d trang: chỉ lấy chữ của %(n)d trang đầu để tra cứu.") % {"n": MAX_PAGES},
        "chars": _("Văn bản dài quá: chỉ lấy %(n)s ký tự đầu để tra cứu.") % {"n": f"{MAX_CHARS:,}".replace(",", ".")},
        "limit": _("Nội dung nén trong tệp PDF vượt giới hạn giải nén: không lấy chữ để tra cứu."),
        "memory": _("Đọc chữ của tệp PDF cần quá nhiều bộ nhớ: không lấy chữ để tra cứu."),
        "timeout": _("Đọc chữ của tệp PDF quá %(n)d giây: không lấy chữ để tra cứu.") % {"n": seconds},
        "unreadable": _("Không đọc được chữ trong tệp PDF: không lấy chữ để tra cứu."),
    }.get(end, _("Không đọc được chữ trong tệp PDF: không lấy chữ để tra cứu."))


def _lines(output: bytes) -> list[dict[str, object]]:
    lines = []
    for raw in output.splitlines():
        try:
            item = json.loads(raw)
        except ValueError:
            break  # the last line, cut when the child was killed
        if isinstance(item, dict):
            lines.append(item)
    return lines


def _child(data: bytes, write_fd: int, *, seconds: int, megabytes: int) -> None:
    """In the forked child: limit itself, read, write the answer to the pipe, and leave without any clean-up."""
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        with open("/proc/self/statm") as statm:  # the address space is the parent's so far, plus the allowance
            used = int(statm.read().split()[0]) * resource.getpagesize()
        allowance = used + megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (allowance, allowance))
        with os.fdopen(write_fd, "w", encoding="utf-8") as out:

            def say(**item: object) -> None:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
                out.flush()

            try:
                pdf_worker.read_text(data, max_pages=MAX_PAGES, max_chars=MAX_CHARS, say=say)
            except MemoryError:
                say(end="memory")
    finally:
        os._exit(0)  # never run the parent's exit handlers (its database connection, its files)


def _output(read_fd: int, pid: int, *, deadline: float) -> tuple[bytes, bool]:
    """What the child wrote, and whether it had to be killed (or was, for its CPU time)."""
    chunks: list[bytes] = []
    killed = False
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
            chunk = pipe.read(_READ)
            if not chunk:
                break
            chunks.append(chunk)
    _pid, status = os.waitpid(pid, 0)
    return b"".join(chunks), killed or os.WIFSIGNALED(status)


def _boxes(places: Any) -> dict[str, list[float]]:
    """The places the child found, kept only when each is five numbers (what ``pdf_fields`` needs)."""
    kept = {}
    for name in ("number", "date"):
        box = places.get(name)
        if isinstance(box, list) and len(box) == 5 and all(isinstance(v, int | float) for v in box):
            kept[name] = [float(v) for v in box]
    return kept


def pdf_text_extract(data: bytes) -> Extraction:
    """The text of a PDF and its page count, read in a child process within the limits of the module's note."""
    seconds = int(settings.CQS_TEXT_EXTRACTION_SECONDS)
    megabytes = int(settings.CQS_TEXT_EXTRACTION_MEMORY_MB)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(data, write_fd, seconds=seconds, megabytes=megabytes)
    os.close(write_fd)
    # The CPU limit bounds the work; the wall clock, twice that, bounds the wait of a busy machine.
    output, killed = _output(read_fd, pid, deadline=time.monotonic() + 2 * seconds + 1)
    lines = _lines(output)
    pages = next((int(str(item["pages"])) for item in lines if "pages" in item), None)
    places = next((item["places"] for item in lines if isinstance(item.get("places"), dict)), {})
    ends = [str(item["end"]) for item in lines if "end" in item]
    if ends:
        end = ends[0]
    elif killed:
        end = "timeout"  # killed for its time (SIGXCPU, or past the wall clock)
    else:
        end = "unreadable"
    text = "\n".join(str(item["text"]) for item in lines if "text" in item)[:MAX_CHARS]
    if end not in ("", "pages", "chars"):
        text = ""
    if end:
        logger.warning("PDF text extraction stopped (%s): %d pages, %d characters kept", end, pages or 0, len(text))
    return Extraction(text=text, pages=pages, problem=_problem(end, seconds=seconds), places=_boxes(places))
