"""Printable documents as PDF (reportlab, with its built-in STSong-Light CJK font: nothing to install or embed):
the e-receipt of a payment and the enrolment certificate, one page each, with the verification QR. Imported when
the first document is printed (payment.documents), so web workers that never print one do not hold reportlab."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = 'STSong-Light'
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

if TYPE_CHECKING:
    from miniapp_backend.enrolment.payment.documents import Document


def render(documents: Iterable[Document], title: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor('城乡居民基本医疗保险参保服务')
    for document in documents:
        _page(canvas, document)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _page(canvas: Canvas, document: Document) -> None:
    width, height = A4
    canvas.setFont(FONT, 22)
    canvas.drawCentredString(width / 2, height - 30 * mm, document.title)
    canvas.setFont(FONT, 11)
    canvas.drawString(20 * mm, height - 45 * mm, document.lead)
    top, row_height, label_width = height - 55 * mm, 10 * mm, 45 * mm
    for index, (label, value) in enumerate(document.rows):
        y = top - index * row_height
        canvas.rect(20 * mm, y - row_height, label_width, row_height)
        canvas.rect(20 * mm + label_width, y - row_height, width - 40 * mm - label_width, row_height)
        canvas.drawString(23 * mm, y - 6.5 * mm, label)
        canvas.drawString(23 * mm + label_width, y - 6.5 * mm, value)
    bottom = top - len(document.rows) * row_height - 10 * mm
    qr = io.BytesIO()
    qrcode.make(document.verify_url, box_size=4, border=1).save(qr)
    canvas.drawImage(ImageReader(io.BytesIO(qr.getvalue())), 20 * mm, bottom - 35 * mm, 35 * mm, 35 * mm)
    canvas.linkURL(document.verify_url, (20 * mm, bottom - 35 * mm, 55 * mm, bottom), relative=0)
    canvas.setFont(FONT, 9)
    canvas.drawString(60 * mm, bottom - 8 * mm, '扫描二维码核验真伪（电子签章校验）：')
    for line, start in enumerate(range(0, len(document.verify_url), 80)):
        canvas.drawString(60 * mm, bottom - (14 + 5 * line) * mm, document.verify_url[start : start + 80])
    canvas.setFont(FONT, 12)
    canvas.drawRightString(width - 20 * mm, bottom - 30 * mm, document.issuer)
    _stamp(canvas, width - 45 * mm, bottom - 22 * mm)


def _stamp(canvas: Canvas, x: float, y: float) -> None:
    """The visible mark of the electronic seal; what proves the page is the signed token behind its QR code."""
    canvas.saveState()
    canvas.setStrokeColorRGB(0.78, 0.1, 0.1)
    canvas.setFillColorRGB(0.78, 0.1, 0.1)
    canvas.setLineWidth(2)
    canvas.circle(x, y, 16 * mm)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(x, y + 2 * mm, '电子签章')
    canvas.setFont(FONT, 7)
    canvas.drawCentredString(x, y - 4 * mm, '扫码核验')
    canvas.restoreState()
