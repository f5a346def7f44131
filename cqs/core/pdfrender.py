"""HTML to PDF with WeasyPrint, with lean serif fonts made once per process.

WeasyPrint subsets every font it embeds. Without HarfBuzz-Subset (not packaged on every server)
it does so with fontTools, which decompiles DejaVu Serif's large layout tables (GSUB, GPOS) for
each face of each document: most of the time of a small PDF (a signature's appearance, a filled
field, a declaration), about 0.1 s a face.

So, once per process, each face of DejaVu Serif (regular, bold, italic, bold italic) is cut down
to what Vietnamese text uses (Basic Latin, every precomposed Vietnamese letter, common
punctuation), without layout tables or hinting: about 17 kB a face. These are offered to every
page rendered here as the family ``"CQS Serif"`` (``LEAN_FAMILY``) through one shared
``FontConfiguration``; a page names it first in its ``font-family`` and subsetting it costs a few
milliseconds. Vietnamese text is stored NFC (precomposed letters), which needs no shaping; a
character outside the lean set falls back to the next family of the page's list (DejaVu Serif
itself), so no text is lost, only kerning pairs. Without DejaVu Serif on the machine, pages
render with the system fonts as before.
"""

from __future__ import annotations

import atexit
import base64
import functools
import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEAN_FAMILY = "CQS Serif"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
# (file, weight, style) of each face of DejaVu Serif.
FACES = (
    ("DejaVuSerif.ttf", "normal", "normal"),
    ("DejaVuSerif-Bold.ttf", "bold", "normal"),
    ("DejaVuSerif-Italic.ttf", "normal", "italic"),
    ("DejaVuSerif-BoldItalic.ttf", "bold", "italic"),
)
VIETNAMESE_LETTERS = (
    "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"
    "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
)
LEAN_CHARACTERS = (
    "".join(chr(code) for code in range(0x20, 0x7F))
    + "".join(chr(code) for code in range(0xA0, 0x100))
    + VIETNAMESE_LETTERS
    + "\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2022\u2116\u2192\u00a0"
)

logger = logging.getLogger(__name__)
_render_lock = threading.Lock()  # one shared FontConfiguration (Pango font map): one render at a time


def _lean_face(path: Path) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    options.notdef_outline = True
    font = TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=LEAN_CHARACTERS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _Fonts:
    config: Any  # weasyprint.text.fonts.FontConfiguration
    stylesheet: Any  # weasyprint.CSS with the lean faces


@functools.cache
def _fonts() -> _Fonts | None:
    """The shared font configuration and the stylesheet declaring the lean faces (None without DejaVu Serif)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    folder = next((Path(d) for d in FONT_DIRS if (Path(d) / FACES[0][0]).is_file()), None)
    if folder is None:
        logger.warning("DejaVu Serif not found in %s: PDFs render with the system fonts", ", ".join(FONT_DIRS))
        return None
    rules = []
    for name, weight, style in FACES:
        if not (folder / name).is_file():
            continue
        data = base64.b64encode(_lean_face(folder / name)).decode("ascii")
        rules.append(
            f'@font-face {{ font-family: "{LEAN_FAMILY}"; src: url("data:font/ttf;base64,{data}");'
            f" font-weight: {weight}; font-style: {style}; }}"
        )
    config = FontConfiguration()
    atexit.register(_fonts.cache_clear)  # let it go while the interpreter can still run its finaliser
    return _Fonts(config, weasyprint.CSS(string="\n".join(rules), font_config=config))


def html_pdf(html: str, *, url_fetcher: Any = None) -> bytes:
    """The PDF of an HTML page; the page names ``LEAN_FAMILY`` first in its fonts to get the lean faces."""
    import weasyprint

    fonts = _fonts()
    document = weasyprint.HTML(string=html, url_fetcher=url_fetcher) if url_fetcher else weasyprint.HTML(string=html)
    with _render_lock:
        if fonts is None:
            return bytes(document.write_pdf())
        return bytes(document.write_pdf(stylesheets=[fonts.stylesheet], font_config=fonts.config))
