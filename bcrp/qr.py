"""QR codes drawn as SVG for pages and print."""

from __future__ import annotations

import io
from base64 import b64encode

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_svg_data_url(text: str) -> str:
    """The QR code of `text` as an SVG image in a data: URL (qrcode's SVG uses namespaced
    elements, which HTML parsing would not draw if inlined)."""
    out = io.BytesIO()
    qrcode.make(text, image_factory=SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + b64encode(out.getvalue()).decode()
