"""Pages from real JPEG/PNG/PDF files made here; corrupt or foreign files get a clear Vietnamese message."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from counter.scanning.files import PageError, build_pdf, load_file, load_files


def jpeg(path, size=(850, 1100), dpi=100, color=(200, 30, 30)):
    Image.new("RGB", size, color).save(path, "JPEG", dpi=(dpi, dpi), quality=80)
    return path


def png(path, size=(600, 800), mode="L", dpi=150):
    Image.new(mode, size, 128 if mode == "L" else (10, 20, 30, 128)).save(path, "PNG", dpi=(dpi, dpi))
    return path


def pdf(path, pages=2):
    w = pikepdf.new()
    for _ in range(pages):
        w.add_blank_page(page_size=(595, 842))
    w.save(path)
    return path


def test_images_report_size_resolution_and_paper_in_mm(tmp_path):
    (page,) = load_file(jpeg(tmp_path / "a.jpg", (827, 1169), 100))
    assert (page.kind, page.width, page.height, page.dpi) == ("jpeg", 827, 1169, 100)
    assert page.mm == (210, 297)
    assert "JPEG 827×1169 px ≈ 210×297 mm, 100 dpi" in page.describe()


def test_a_pdf_gives_one_page_per_pdf_page(tmp_path):
    pages = load_file(pdf(tmp_path / "b.pdf", 3))
    assert [(p.kind, p.index) for p in pages] == [("pdf", 0), ("pdf", 1), ("pdf", 2)]
    assert pages[0].mm == (210, 297)


def test_jpegs_go_into_the_pdf_unchanged(tmp_path):
    a, b = jpeg(tmp_path / "a.jpg"), jpeg(tmp_path / "b.jpg", color=(0, 90, 200))
    data, n = build_pdf(load_files([a, b]))
    assert n == 2 and len(pikepdf.open(io.BytesIO(data)).pages) == 2
    assert a.read_bytes() in data and b.read_bytes() in data  # the JPEG streams themselves, not re-encoded


def test_mixed_images_and_pdf_pages_keep_their_order(tmp_path):
    pages = load_files([jpeg(tmp_path / "a.jpg"), pdf(tmp_path / "b.pdf", 2), png(tmp_path / "c.png")])
    pages = [pages[3], pages[1], pages[0]]  # reorder and drop one
    data, n = build_pdf(pages)
    reader = pikepdf.open(io.BytesIO(data))
    assert n == 3 and len(reader.pages) == 3
    assert round(float(reader.pages[1].mediabox[2])) == 595  # the PDF page, second as chosen


def test_a_png_with_transparency_is_flattened_not_refused(tmp_path):
    data, n = build_pdf(load_files([png(tmp_path / "t.png", mode="RGBA")]))
    assert n == 1 and data.startswith(b"%PDF")


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", b"chi la van ban, khong phai anh\n", "không phải ảnh JPEG/PNG hay tệp PDF"),
    ("fake.jpg", b"GIF89a" + b"\0" * 200, "không phải ảnh JPEG/PNG hay tệp PDF"),
    ("empty.png", b"", "rỗng"),
    ("garbage.pdf", b"%PDF-1.7\n" + b"\x00\xff" * 300, "Tệp PDF “garbage.pdf” bị hỏng"),
])
def test_foreign_or_corrupt_files_are_refused_in_vietnamese(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PageError) as err:
        load_file(path)
    assert message in err.value.message


def test_truncated_images_are_refused(tmp_path):
    whole = jpeg(tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(PageError, match="bị hỏng hoặc chưa ghi xong"):
        load_file(tmp_path / "cut.jpg")
    good = png(tmp_path / "p.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(good[:60] + good[-12:])  # header and IEND, chunks lost
    with pytest.raises(PageError, match="bị hỏng"):
        load_file(tmp_path / "cut.png")


def test_one_bad_file_stops_the_whole_import(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(PageError):
        load_files([jpeg(tmp_path / "a.jpg"), tmp_path / "x.txt"])


def test_missing_file_and_nothing_to_save(tmp_path):
    with pytest.raises(PageError, match="Không tìm thấy tệp"):
        load_file(tmp_path / "khong-co.jpg")
    with pytest.raises(PageError, match="Chưa có trang nào"):
        build_pdf([])


@pytest.mark.parametrize("with_pdf", [False, True])
def test_the_same_pages_make_the_same_bytes_at_any_time(tmp_path, with_pdf):
    """Papers are stored by their SHA-256: the same pages saved a second (or a day) later are the same file,
    stored once; so the PDF carries no creation time and no random file id."""
    files = [jpeg(tmp_path / "a.jpg")] + ([pdf(tmp_path / "b.pdf", 1)] if with_pdf else [])
    data, _ = build_pdf(load_files(files))
    assert b"/CreationDate" not in data and b"/ModDate" not in data
    again, _ = build_pdf(load_files(files))
    assert again == data
