#!/usr/bin/env python3
"""Writes the named seeds of corpus/bank_import/ that show the translation columns of
docs/question-bank.md: CSV files, and the same banks as small hand-made XLSX workbooks (one
with shared strings as spreadsheet programs write them, one with inline strings; stored and
deflated ZIP entries). Run from fuzz/: python3 make_seeds.py. Standard library only."""

import os
import zipfile
from xml.sax.saxutils import escape

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "bank_import")

BASE = ["code", "topic", "difficulty", "question", "option_a", "option_b", "option_c", "option_d",
        "option_e", "option_f", "correct", "explanation", "law", "article"]


def lang_columns(lang, options=6):
    letters = "abcdef"[:options]
    return [f"question_{lang}"] + [f"option_{x}_{lang}" for x in letters] + [f"explanation_{lang}"]


def row(code, text, options, correct, *translations, explanation="", law="", article=""):
    cells = [code, "hien-phap-2013", "easy", text] + options + [""] * (6 - len(options))
    cells += [correct, explanation, law, article]
    for t in translations:
        cells += t
    return cells


# A good bank: English with every column, Hmong with only the option columns it needs.
TRANSLATED = [
    BASE + lang_columns("en") + lang_columns("hmn", 3),
    row("HP-1", "Công dân đủ bao nhiêu tuổi có quyền bầu cử?", ["16", "18", "21"], "B",
        ["At what age may a citizen vote?", "16", "18", "21", "", "", "", "Article 27."],
        ["Thaum muaj pes tsawg xyoo?", "16", "18", "21"],
        explanation="Điều 27.", law="Hiến pháp 2013", article="Điều 27"),
    row("HP-2", "Quyền nào là quyền con người?", ["Sống", "Bầu cử", "Ứng cử", "Cả ba"], "A,D",
        ["Which is a human right?", "Life", "Voting", "Standing", "All three", "", "", ""],
        ["", "", "", ""]),
    row("HP-3", "Không dịch câu này.", ["Có", "Không"], "A", [""] * 8, [""] * 4),
]

# Every translation error of docs/question-bank.md, one per row.
BAD_TRANSLATIONS = [
    BASE + lang_columns("en", 3),
    row("T-1", "Thiếu câu hỏi?", ["x", "y"], "A", ["", "x", "y", "", ""]),       # no question_en
    row("T-2", "Thiếu phương án?", ["x", "y", "z"], "A", ["Q?", "x", "y", "", ""]),  # 2 of 3
    row("T-3", "Thừa phương án?", ["x", "y"], "A", ["Q?", "x", "y", "z", ""]),   # 3 of 2
    row("T-4", "Có khoảng trống?", ["x", "y", "z"], "A", ["Q?", "x", "", "z", ""]),
]

BAD_HEADERS = {
    "bad_header_unknown_lang.csv": BASE + ["question_EN"],
    "bad_header_vi.csv": BASE + ["question_vi"],
    "bad_header_twice.csv": BASE + ["question_en", "question_en"],
    "bad_header_no_question.csv": BASE + ["option_a_km", "option_b_km"],
    "bad_header_unknown_column.csv": BASE + ["hint_en"],
}


def csv_bytes(rows):
    def cell(c):
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c
    return ("\n".join(",".join(cell(c) for c in r) for r in rows) + "\n").encode()


def col_name(i):
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def xlsx_bytes(rows, shared, compression):
    strings, index = [], {}
    sheet_rows = []
    for r, cells in enumerate(rows, 1):
        xml = []
        for c, value in enumerate(cells):
            if not value:
                continue
            ref = f"{col_name(c)}{r}"
            if shared:
                if value not in index:
                    index[value] = len(strings)
                    strings.append(value)
                xml.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
            else:
                xml.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(xml)}</row>')
    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml":
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' if shared else "")
            + "</Types>",
        "_rels/.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
            + "</Relationships>",
        "xl/worksheets/sheet1.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'
            + "".join(sheet_rows) + "</sheetData></worksheet>",
    }
    if shared:
        sis = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}/spreadsheetml/2006/main" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{sis}</sst>')
    path = os.path.join(OUT, ".tmp.xlsx")
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 7, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = compression
            z.writestr(info, text.encode())
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    return data


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


write("translations.csv", csv_bytes(TRANSLATED))
write("bad_translations.csv", csv_bytes(BAD_TRANSLATIONS))
for name, header in BAD_HEADERS.items():
    write(name, csv_bytes([header, row("H-1", "Câu?", ["x", "y"], "A")]))
write("translations_shared_strings.xlsx", xlsx_bytes(TRANSLATED, shared=True, compression=zipfile.ZIP_DEFLATED))
write("translations_inline_stored.xlsx", xlsx_bytes(TRANSLATED, shared=False, compression=zipfile.ZIP_STORED))
write("bad_translations.xlsx", xlsx_bytes(BAD_TRANSLATIONS, shared=True, compression=zipfile.ZIP_DEFLATED))
