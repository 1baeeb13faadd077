"""Workbooks for the XLSX reader's tests: written by openpyxl as Excel would be, or part by part
by hand where a test needs XML that openpyxl does not write (a formula with no stored value
beside one with, 1904 dates, inline and phonetic strings, hostile parts)."""

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# cellXfs: 0 General, 1 a date (built-in 14), 2 a date and time (22), 3 a time (21), 4 a
# custom date as LibreOffice writes it, 5 a custom date and time.
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="DD/MM/YYYY"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy\\ hh:mm"/></numFmts>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/>'
    '<xf numFmtId="21"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>'
)


def write_openpyxl(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    """A workbook of these sheets (name: rows, None for an empty cell), as openpyxl saves
    it: shared strings, dates styled as dates, a formula (`=...`) with no stored value."""
    book = Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        first = False
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def write_raw(
    path: Path,
    sheets: Mapping[str, str],
    *,
    strings: Sequence[str] | None = None,
    styles: str | None = STYLES,
    workbook_pr: str = "",
    main_type: str = WORKBOOK_TYPE,
    extra: Mapping[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A workbook part by part: each sheet is its `<sheetData>` content (or a whole part
    when it starts with `<?xml` or `<!`), `strings` the shared `<si>` items as raw XML."""
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>']
    sheet_list = []
    relations = []
    parts: dict[str, str | bytes] = {}
    for number, (name, data) in enumerate(sheets.items(), start=1):
        part = f"xl/worksheets/sheet{number}.xml"
        whole = data.startswith(("<?xml", "<!"))
        wrapped = f'<worksheet xmlns="{MAIN}"><sheetData>{data}</sheetData></worksheet>'
        parts[part] = data if whole else wrapped
        overrides.append(
            f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
        )
        sheet_list.append(f'<sheet name="{name}" sheetId="{number}" r:id="rId{number}"/>')
        relations.append(
            f'<Relationship Id="rId{number}" Type="{RELS}/worksheet" '
            f'Target="worksheets/sheet{number}.xml"/>'
        )
    if strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{"".join(strings)}</sst>'
        relations.append(
            f'<Relationship Id="rIdS" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    if styles is not None:
        parts["xl/styles.xml"] = styles
        relations.append(f'<Relationship Id="rIdY" Type="{RELS}/styles" Target="styles.xml"/>')
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f"{''.join(overrides)}</Types>"
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_pr}'
        f"<sheets>{''.join(sheet_list)}</sheets></workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PACKAGE_RELS}">{"".join(relations)}</Relationships>'
    )
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", compression) as archive:
        for part_name, content in parts.items():
            archive.writestr(part_name, content)
    return path


def row(number: int, *cells: str) -> str:
    """`<row r=..>` around cells written as `<c ...>` XML."""
    return f'<row r="{number}">{"".join(cells)}</row>'


def text(reference: str, value: str) -> str:
    """An inline string cell."""
    return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'
