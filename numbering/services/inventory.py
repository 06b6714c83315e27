"""NUM-1: staff import the reseller's ranges from a CSV file in the layout of ARCEP's numbering
plan (``MAJNUM.csv``), with two columns of ours. Columns (``;``-separated, a header row, UTF-8 or
Windows-1252; other columns are ignored):

- ``Tranche_Debut``, ``Tranche_Fin`` (required): first and last number of the block, 10 digits
  (``0172700000``), spaces allowed;
- ``Mnémo`` (or ``Mnemo``): the operator's code; ``Territoire``: the territory's name;
- ``ZNE`` (ours, geographic numbers): the elementary numbering zone of the block;
- ``Restriction_ZNE`` (ours, ``oui``/``non``): whether its numbers stay inside their ZNE —
  by default ``non`` for mainland blocks and ``oui`` for overseas ones (NUM-1).

A file is checked whole before anything is written: every refused line is reported with its line
number, and then nothing is imported.
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from numbering import phone
from numbering.choices import NumberType
from numbering.models import NumberRange, PhoneNumber

MAX_RANGE_SIZE = 10_000
MAX_IMPORT_NUMBERS = 200_000
YES = {"oui", "o", "yes", "y", "1", "true", "vrai"}
NO = {"non", "n", "no", "0", "false", "faux"}


@dataclass
class _Block:
    first: str
    last: str
    region: str
    number_type: str
    price_class: str
    zne: str
    zne_restricted: bool
    operator_code: str
    territory: str

    @property
    def size(self) -> int:
        return int(self.last[1:]) - int(self.first[1:]) + 1


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _column(row: dict, *names: str) -> str:
    for name in names:
        if row.get(name):
            return row[name].strip()
    return ""


def _block(row: dict) -> _Block:
    try:
        first = phone.to_e164(_column(row, "Tranche_Debut"))
        last = phone.to_e164(_column(row, "Tranche_Fin"))
    except ValidationError as error:
        raise ValidationError(error.messages[0]) from error
    region, number_type = phone.region(first), phone.number_type(first)
    price_class = phone.price_class(first)
    if (phone.region(last), phone.number_type(last), phone.price_class(last)) != (
        region,
        number_type,
        price_class,
    ) or len(first) != len(last):
        raise ValidationError(_("The first and last numbers are not of the same block."))
    block_size = int(last[1:]) - int(first[1:]) + 1
    if block_size < 1:
        raise ValidationError(_("The last number comes before the first."))
    if block_size > MAX_RANGE_SIZE:
        raise ValidationError(
            _("A block has at most %(max)d numbers (this one %(n)d).")
            % {"max": MAX_RANGE_SIZE, "n": block_size}
        )
    restriction = _column(row, "Restriction_ZNE").lower()
    if restriction and restriction not in YES | NO:
        raise ValidationError(_("Restriction_ZNE is “oui” or “non”."))
    overseas = region in phone.OVERSEAS_REGIONS
    zne = _column(row, "ZNE").upper()[:40]
    if number_type == NumberType.GEOGRAPHIC and not zne:
        raise ValidationError(_("A block of geographic numbers needs its ZNE."))
    return _Block(
        first=first,
        last=last,
        region=region,
        number_type=number_type,
        price_class=price_class,
        zne=zne if number_type == NumberType.GEOGRAPHIC else "",
        zne_restricted=(restriction in YES) if restriction else overseas,
        operator_code=_column(row, "Mnémo", "Mnemo", "Mnémonique")[:10],
        territory=_column(row, "Territoire")[:60],
    )


def parse_ranges(content: bytes) -> list[_Block]:
    """Every block of the file, or one ValidationError listing each refused line."""
    reader = csv.DictReader(io.StringIO(_decode(content)), delimiter=";")
    if not reader.fieldnames or not {"Tranche_Debut", "Tranche_Fin"} <= {
        name.strip() for name in reader.fieldnames
    }:
        raise ValidationError(
            _("The file needs a header row with the columns Tranche_Debut and Tranche_Fin.")
        )
    reader.fieldnames = [name.strip() for name in reader.fieldnames]
    blocks, errors = [], []
    for line, row in enumerate(reader, start=2):
        try:
            blocks.append(_block(row))
        except ValidationError as error:
            errors.append(
                _("Line %(line)d: %(error)s") % {"line": line, "error": error.messages[0]}
            )
    if not blocks and not errors:
        errors.append(_("The file has no block of numbers."))
    if sum(block.size for block in blocks) > MAX_IMPORT_NUMBERS:
        errors.append(_("At most %(max)d numbers per file.") % {"max": MAX_IMPORT_NUMBERS})
    if errors:
        raise ValidationError(errors)
    return blocks


def _overlaps(blocks: list[_Block]) -> list[str]:
    errors = []
    ordered = sorted(blocks, key=lambda b: (len(b.first), b.first))
    for previous, block in zip(ordered, ordered[1:], strict=False):
        if len(previous.first) == len(block.first) and block.first <= previous.last:
            errors.append(
                _("The blocks starting at %(a)s and %(b)s overlap.")
                % {"a": phone.display(previous.first), "b": phone.display(block.first)}
            )
    for block in blocks:
        clash = NumberRange.objects.filter(
            Q(first__lte=block.last) & Q(last__gte=block.first)
        ).first()
        if clash is not None and len(clash.first) == len(block.first):
            errors.append(
                _("The block starting at %(a)s overlaps the range %(range)s already held.")
                % {"a": phone.display(block.first), "range": clash}
            )
    return errors


@transaction.atomic
def import_ranges(*, content: bytes, source: str = "", actor=None) -> tuple[int, int]:
    """Create the ranges of a file and every number in them (available). Returns (ranges,
    numbers). All or nothing."""
    blocks = parse_ranges(content)
    errors = _overlaps(blocks)
    if errors:
        raise ValidationError(errors)
    created = 0
    for block in blocks:
        number_range = NumberRange.objects.create(
            first=block.first,
            last=block.last,
            region=block.region,
            number_type=block.number_type,
            price_class=block.price_class,
            zne=block.zne,
            zne_restricted=block.zne_restricted,
            operator_code=block.operator_code,
            territory=block.territory,
            source=source[:200],
        )
        prefix = "+"
        start = int(block.first[1:])
        width = len(block.first) - 1
        PhoneNumber.objects.bulk_create(
            [
                PhoneNumber(
                    e164=f"{prefix}{start + offset:0{width}d}",
                    number_range=number_range,
                    number_type=block.number_type,
                    price_class=block.price_class,
                    region=block.region,
                    zne=block.zne,
                    zne_restricted=block.zne_restricted,
                )
                for offset in range(block.size)
            ],
            batch_size=2000,
        )
        created += block.size
        audit_record(
            action="number_range.import",
            instance=number_range,
            actor=actor,
            after={"first": block.first, "last": block.last, "source": source},
        )
    return len(blocks), created
