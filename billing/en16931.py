"""The official EN 16931 business rules (CII syntax), run on our Factur-X XML (BIL-3, BIL-9).

``billing/einvoice/EN16931-CII-validation.xslt`` is the compiled Schematron published by
CEN/TC 434 (release validation-1.3.16, EUPL 1.2, licence beside it). It is XSLT 2.0, run with
SaxonC-HE (``saxonche``, no Java). The XSD only checks the shape of the XML; these rules check
what a buyer's software checks: totals (BR-CO-*), VAT groups (BR-S-*, BR-O-11…), identifiers.

``validate(xml)`` returns the failed assertions; ``fatal(xml)`` only those flagged ``fatal``,
which make a buyer's platform reject the document. Compiling the stylesheet takes about a
second: it is done once per process.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

STYLESHEET = Path(__file__).resolve().parent / "einvoice" / "EN16931-CII-validation.xslt"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class Failure:
    rule: str  # e.g. "BR-O-11"
    flag: str  # "fatal" or "warning"
    location: str
    text: str

    def __str__(self) -> str:
        return f"[{self.rule} {self.flag}] {self.text} ({self.location})"


@lru_cache(maxsize=1)
def _executable():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    executable = compiler.compile_stylesheet(stylesheet_file=str(STYLESHEET))
    return processor, executable


def validate(xml: bytes | str) -> list[Failure]:
    """Every failed assertion of the EN 16931 Schematron on ``xml`` (a CII document)."""
    processor, executable = _executable()
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    svrl = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=text))
    report = etree.fromstring(svrl.encode("utf-8"))
    return [
        Failure(
            rule=node.get("id", ""),
            flag=node.get("flag", ""),
            location=node.get("location", ""),
            text=" ".join("".join(node.itertext()).split()),
        )
        for node in report.iter(f"{{{SVRL}}}failed-assert")
    ]


def fatal(xml: bytes | str) -> list[Failure]:
    """The failed assertions that make the document invalid."""
    return [failure for failure in validate(xml) if failure.flag == "fatal"]
