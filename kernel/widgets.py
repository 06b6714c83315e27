"""Form widgets shared by every app's forms and back office."""

from django import forms

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ISO ``YYYY-MM-DD``: the only format the
    browser's date picker reads and sends, whatever the page's language. A ``DateInput`` with
    the French format would put "01/07/2026" in it: the browser shows an empty field, and saving
    the form unchanged fails (issue 17 item 9)."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or ISO_DATE)


class AmountInput(forms.TextInput):
    """A text input for an amount, read by the server in the page's language (« 1 200,50 » in
    French): an ``<input type="number">`` leaves the reading to the browser, and an en-US
    browser refuses « 12,50 » (or sends nothing). ``inputmode`` brings up a phone's digits."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
