"""Opens an XLSX workbook (an Office Open XML package) safely, for `xlsx.read_xlsx`.

What it refuses, before any row is read: a file that is not a ZIP (CSV text, an old .xls, a
password-protected workbook, which Office stores outside ZIP), a ZIP that is not a workbook,
a binary (.xlsb) or macro-enabled one, and one whose parts inflate past the caller's bound.
That bound is checked on the sizes the ZIP's central directory declares, before anything is
inflated, and again on the bytes actually inflated (`_Budget`), so a directory that lies about
its sizes cannot get more out of the file than it declared. Every XML part is parsed by
defusedxml with DTDs forbidden (no entity expansion, no external entities); the big ones
(shared strings, the sheet) stream through expat (`spreadsheetml.py`).
"""

import io
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Final
from xml.etree.ElementTree import Element
from xml.sax import SAXException

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.integrations.spreadsheetml import (
    BUILTIN_KINDS,
    CHUNK,
    Damaged,
    StringsHandler,
    format_kind,
    parse,
)
from app.integrations.tabular import TableProblem

# The parts a reader inflates whole (content types, relationships, workbook, styles) are
# small; one declared larger than this is not a workbook a survey tool or ESR wrote.
MAX_SMALL_PART: Final = 16 << 20
# Entries and central directory size: a workbook has tens of parts.
MAX_ENTRIES: Final = 10_000
MAX_DIRECTORY: Final = 4 << 20

OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
# An encrypted OOXML file is an OLE2 compound file holding a stream of this name.
ENCRYPTED_STREAM: Final = "EncryptedPackage".encode("utf-16-le")

REL_NS: Final = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
WORKBOOK_TYPES: Final = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
BINARY_TYPE: Final = "application/vnd.ms-excel.sheet.binary.macroenabled.main"
# Lower-cased: VBA projects, Excel 4 macro sheets, and every macro-enabled main part.
MACRO_TYPES: Final = (
    "application/vnd.ms-office.vbaproject",
    "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml",
)


class NotWorkbook(TableProblem):
    """The bytes are not an XLSX workbook; the caller answers 415. `detected` says what they
    are: "text" (CSV sent as XLSX?), "binary", "xls" (an Excel 97-2003 or other OLE2 file),
    "zip" (a ZIP, not a workbook), "xlsb", "macros", "encrypted" or "damaged"."""

    def __init__(self, message: str, *, detected: str) -> None:
        super().__init__(message)
        self.message = message
        self.detected = detected


class MacroWorkbook(NotWorkbook):
    """A macro-enabled workbook (.xlsm, a VBA project, Excel 4 macro sheets): 415."""

    def __init__(self) -> None:
        super().__init__(
            "the workbook contains macros (an .xlsm file?); macro-enabled workbooks are "
            "refused: save it as an Excel Workbook (.xlsx)",
            detected="macros",
        )


class EncryptedWorkbook(NotWorkbook):
    """A password-protected (encrypted) workbook, which cannot be read: 415."""

    def __init__(self) -> None:
        super().__init__(
            "the workbook is password-protected (encrypted) and cannot be read: save a copy "
            "without a password",
            detected="encrypted",
        )


class WorkbookTooLarge(TableProblem):
    """The workbook inflates to more than `limit` bytes (a zip bomb, or just too big); the
    caller answers 413. Raised from the declared sizes before inflating, or while inflating
    when a part yields more than its declared size allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the workbook inflates to more than {limit:,} bytes")
        self.limit = limit


# What reading a part raises on bad bytes; the readers answer NotWorkbook or InvalidTable.
# OSError: zipfile seeks to the offsets the archive gives, which may point nowhere.
UNREADABLE: Final = (
    Damaged,
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    SAXException,
    DefusedXmlException,
    UnicodeError,
    ValueError,
    KeyError,
    IndexError,
    NotImplementedError,
    RuntimeError,
)


def _sniff(path: Path) -> None:
    """Refuses what is not a ZIP, saying what it looks like."""
    with path.open("rb") as file:
        head = file.read(CHUNK)
        if head.startswith(ZIP_MAGIC):
            return
        if head.startswith(OLE2_MAGIC):
            tail = b""
            chunk = head
            while chunk:
                if ENCRYPTED_STREAM in tail + chunk:
                    raise EncryptedWorkbook
                tail = chunk[-len(ENCRYPTED_STREAM) :]
                chunk = file.read(CHUNK)
            raise NotWorkbook(
                "the file is an Excel 97-2003 workbook (.xls) or another older Office file, "
                "not XLSX: save it as an Excel Workbook (.xlsx)",
                detected="xls",
            )
    if b"\0" not in head:
        raise NotWorkbook(
            "the file is text (CSV?), not an XLSX workbook: send CSV as text/csv",
            detected="text",
        )
    raise NotWorkbook("the file is not an XLSX workbook (not a ZIP archive)", detected="binary")


def _check_directory(file: IO[bytes]) -> None:
    """Bounds the central directory (entries, bytes) from the end record, before zipfile
    reads it into objects; ZIP64 records are followed."""
    size = file.seek(0, io.SEEK_END)
    tail_size = min(size, 22 + 0xFFFF)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise NotWorkbook(
            "the file is not a complete ZIP archive (truncated?), so not a readable workbook",
            detected="damaged",
        )
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        locator = size - tail_size + at - 20
        if locator < 0:
            raise NotWorkbook("the ZIP archive's directory is damaged", detected="damaged")
        file.seek(locator)
        found = file.read(20)
        if len(found) < 20 or not found.startswith(b"PK\x06\x07"):
            raise NotWorkbook("the ZIP archive's directory is damaged", detected="damaged")
        (record,) = struct.unpack_from("<Q", found, 8)
        file.seek(record)
        zip64 = file.read(56)
        if len(zip64) < 56 or not zip64.startswith(b"PK\x06\x06"):
            raise NotWorkbook("the ZIP archive's directory is damaged", detected="damaged")
        entries, directory = struct.unpack_from("<QQ", zip64, 32)
    if entries > MAX_ENTRIES or directory > MAX_DIRECTORY:
        raise NotWorkbook(
            f"the ZIP archive has more than {MAX_ENTRIES:,} entries: not a workbook",
            detected="zip",
        )


class _Budget:
    """The bytes inflated so far, against the bound."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    def take(self, count: int) -> None:
        self.used += count
        if self.limit is not None and self.used > self.limit:
            raise WorkbookTooLarge(self.limit)


class _Counted:
    """A part's inflating stream whose output is charged to the budget."""

    def __init__(self, stream: IO[bytes], budget: _Budget) -> None:
        self._stream = stream
        self._budget = budget

    def read(self, size: int = CHUNK) -> bytes:
        data = self._stream.read(size)
        self._budget.take(len(data))
        return data

    def close(self) -> None:
        self._stream.close()


def local_name(tag: str) -> str:
    """`{namespace}name` (ElementTree) or `namespace name` (expat) as `name`."""
    return tag.rpartition("}")[2].rpartition(" ")[2]


def _attribute(element: Element, name: str, namespaces: Iterable[str]) -> str | None:
    for namespace in namespaces:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return None


class Package:
    """An open workbook archive, checked: its worksheets (name -> part), its date styles and
    whether it counts dates from 1904. `open_part` streams a part within the budget."""

    def __init__(self, path: Path, max_uncompressed_bytes: int | None) -> None:
        _sniff(path)
        self._file = path.open("rb")
        try:
            _check_directory(self._file)
            self._zip = zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            self._file.close()
            raise NotWorkbook(
                "the file is not a readable ZIP archive (truncated or damaged?)",
                detected="damaged",
            ) from None
        except BaseException:
            self._file.close()
            raise
        try:
            self._open(max_uncompressed_bytes)
        except UNREADABLE as error:
            self.close()
            raise NotWorkbook(
                f"the workbook cannot be read: {describe(error)}", detected="damaged"
            ) from None
        except BaseException:
            self.close()
            raise

    def _open(self, limit: int | None) -> None:
        infos = self._zip.infolist()
        self._names = {info.filename.lower(): info for info in infos}
        if any(name.endswith("vbaproject.bin") for name in self._names):
            raise MacroWorkbook
        for info in infos:
            if info.flag_bits & 0x1:
                raise EncryptedWorkbook
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Damaged("a part is compressed in a way Excel does not use")
        declared = sum(info.file_size for info in infos)
        if limit is not None and declared > limit:
            raise WorkbookTooLarge(limit)
        self._budget = _Budget(limit)
        self.workbook_part = self._content_types()
        self.date1904, self.sheets, related = self._workbook()
        self._strings_part = related.get("sharedStrings")
        self._styles_part = related.get("styles")

    def _content_types(self) -> str:
        """The workbook part's name; refuses macros, .xlsb and other packages."""
        if "[content_types].xml" not in self._names:
            raise NotWorkbook(
                "the file is a ZIP archive but not an Office Open XML workbook", detected="zip"
            )
        types = self._xml("[Content_Types].xml")
        workbook = None
        for entry in types:
            content_type = (entry.get("ContentType") or "").strip().lower()
            if content_type == BINARY_TYPE:
                raise NotWorkbook(
                    "the file is an Excel Binary Workbook (.xlsb): save it as .xlsx",
                    detected="xlsb",
                )
            if "macroenabled" in content_type or content_type in MACRO_TYPES:
                raise MacroWorkbook
            if content_type in WORKBOOK_TYPES and local_name(entry.tag) == "Override":
                workbook = (entry.get("PartName") or "").lstrip("/")
        if workbook is None:
            raise NotWorkbook(
                "the file is an Office Open XML package but not an Excel workbook "
                "(a Word or PowerPoint file?)",
                detected="zip",
            )
        return workbook

    def _workbook(self) -> tuple[bool, list[tuple[str, str]], dict[str, str]]:
        """(dates from 1904?, [(sheet name, part)] in the workbook's order, {relationship
        kind: part} for the shared strings and styles)."""
        targets: dict[str, tuple[str, str]] = {}
        folder, name = posixpath.split(self.workbook_part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        if rels.lower() in self._names:
            for relation in self._xml(rels):
                if (relation.get("TargetMode") or "").lower() == "external":
                    continue
                target = relation.get("Target") or ""
                part = (
                    posixpath.normpath(target.lstrip("/"))
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                kind = (relation.get("Type") or "").rpartition("/")[2]
                targets[relation.get("Id") or ""] = (kind, part)
        root = self._xml(self.workbook_part)
        date1904 = False
        sheets: list[tuple[str, str]] = []
        for element in root.iter():
            tag = local_name(element.tag)
            if tag == "workbookPr":
                date1904 = (element.get("date1904") or "").lower() in ("1", "true")
            elif tag == "sheet":
                kind, part = targets.get(_attribute(element, "id", REL_NS) or "", ("", ""))
                if kind == "worksheet":
                    sheets.append((element.get("name") or "", part))
        related = {kind: part for kind, part in targets.values() if kind != "worksheet"}
        return date1904, sheets, related

    def _xml(self, part: str) -> Element:
        """A small part, parsed whole by defusedxml."""
        info = self._info(part)
        if info.file_size > MAX_SMALL_PART:
            raise Damaged(f"its {info.filename} part is larger than a workbook's should be")
        stream = self.open_part(part)
        try:
            data = stream.read(MAX_SMALL_PART + 1)
        finally:
            stream.close()
        root: Element = fromstring(data, forbid_dtd=True)
        return root

    def _info(self, part: str) -> zipfile.ZipInfo:
        info = self._names.get(part.lower())
        if info is None:
            raise Damaged(f"it names a part it does not have ({part[:100]})")
        return info

    def open_part(self, part: str) -> _Counted:
        return _Counted(self._zip.open(self._info(part)), self._budget)

    def date_styles(self) -> dict[int, str]:
        """{cell style index: "date", "datetime", "time" or "elapsed"} for the styles whose
        number format shows a date or a time; other styles show numbers."""
        if self._styles_part is None or self._styles_part.lower() not in self._names:
            return {}
        custom: dict[int, str] = {}
        kinds: dict[int, str] = {}
        root = self._xml(self._styles_part)
        for element in root:
            tag = local_name(element.tag)
            if tag == "numFmts":
                for number_format in element:
                    identifier = number_format.get("numFmtId") or ""
                    if identifier.isdigit():
                        custom[int(identifier)] = number_format.get("formatCode") or ""
            elif tag == "cellXfs":
                for index, style in enumerate(element):
                    identifier = style.get("numFmtId") or "0"
                    if not identifier.isdigit():
                        continue
                    number = int(identifier)
                    code = custom.get(number)
                    kind = format_kind(code) if code is not None else BUILTIN_KINDS.get(number)
                    if kind is not None:
                        kinds[index] = kind
        return kinds

    def shared_strings(self) -> list[str]:
        """The shared string table, streamed (it may be most of the file)."""
        if self._strings_part is None or self._strings_part.lower() not in self._names:
            return []
        handler = StringsHandler()
        stream = self.open_part(self._strings_part)
        try:
            parse(stream, handler.start, handler.end, handler.text)
        finally:
            stream.close()
        return handler.strings

    def close(self) -> None:
        try:
            zip_file = getattr(self, "_zip", None)
            if zip_file is not None:
                zip_file.close()
        finally:
            self._file.close()


def describe(error: BaseException) -> str:
    if isinstance(error, Damaged):
        return str(error)
    if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError | OSError):
        return "a part of its ZIP archive is damaged"
    return "a part of it is not well-formed XML"
