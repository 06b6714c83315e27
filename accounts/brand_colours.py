"""ACC-3: a partner's primary colour, as the portal uses it — the background of the top bar and
of the buttons under white text, and the colour of every link on the white cards. WCAG 2.1's
contrast minimum (1.4.3, AA: 4.5:1 for text) is what keeps those words readable; the back office
refuses a primary colour below it against white (a pale yellow made white button labels and
links unreadable on every page of the partner's customers)."""

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

WHITE = "#ffffff"
MINIMUM_CONTRAST = 4.5  # WCAG 2.1, 1.4.3 (AA), normal text


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of a #RRGGBB colour."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio of two #RRGGBB colours, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def validate_readable_on_white(value: str) -> None:
    """The primary colour carries white text and is the links' colour on white."""
    if len(value) != 7 or not value.startswith("#"):
        return  # the field's own validator names a colour not written #RRGGBB
    try:
        ratio = contrast_ratio(value, WHITE)
    except ValueError:
        return
    if ratio < MINIMUM_CONTRAST:
        raise ValidationError(
            _(
                "This colour is too light: white text on it, and links in it, would be hard "
                "to read (contrast %(ratio)s:1 with white; at least %(minimum)s:1). Choose a "
                "darker shade."
            ),
            code="low_contrast",
            params={
                "ratio": number_format(ratio, 1),
                "minimum": number_format(MINIMUM_CONTRAST, 1),
            },
        )
