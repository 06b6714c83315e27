"""Messages of DRF that its French catalogue leaves in English, named here so that
``makemessages`` keeps their French in ours (``locale/fr``, which Django reads before DRF's):
the API answers every error in the partner's language (``Accept-Language``, ACC-3).

``tests/api/test_language.py`` checks the field errors; add a message here when DRF adds one.
"""

from django.utils.translation import gettext_noop

DRF_MESSAGES = [
    gettext_noop("Invalid input."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
    ),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Datetime value out of range."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Request was throttled."),
]
