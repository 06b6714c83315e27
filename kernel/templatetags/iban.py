"""``{{ value|iban }}``: an IBAN as people read and type it, in groups of four characters
(python-stdnum's ``iban.format``), on every page and PDF that shows one (issue 17 item 6).
A value that is not an IBAN is shown as it is."""

from django import template
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

register = template.Library()


@register.filter(name="iban")
def iban_format(value) -> str:
    if not value:
        return ""
    try:
        return stdnum_iban.format(stdnum_iban.validate(str(value)))
    except ValidationError:
        return str(value)
