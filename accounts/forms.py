from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Client, Site
from kernel.inputs import MAX_EMAIL, MAX_RECIPIENTS


class RecipientsField(forms.CharField):
    """E-mail addresses, one per line or separated by commas: at most ``MAX_RECIPIENTS`` of
    at most ``MAX_EMAIL`` characters (the API's bounds)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_RECIPIENTS * (MAX_EMAIL + 1))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        addresses = [a.strip() for a in text.replace(",", "\n").splitlines() if a.strip()]
        if len(text) > self.max_length or len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(
                _("At most %(max)s addresses."),
                code="too_many_recipients",
                params={"max": MAX_RECIPIENTS},
            )
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError as error:
                raise ValidationError(
                    _("%(address)s is not an e-mail address."), params={"address": address}
                ) from error
            if len(address) > MAX_EMAIL:
                raise ValidationError(
                    _("%(address)s is not an e-mail address."), params={"address": address}
                )
        return addresses


class CompanyForm(forms.ModelForm):
    """What a customer's administrator may change; legal identity stays with staff."""

    invoice_recipients = RecipientsField(label=_("Invoice recipients"), required=False)

    class Meta:
        model = Client
        fields = [
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "vat_number",
            "invoice_recipients",
        ]

    def _update_errors(self, errors):
        """``Client.clean`` checks the whole legal identity (ACC-1). An error on a field this
        form does not have is shown where the administrator's change caused it — the VAT
        regime, staff's to change, on the postal code — or at the top of the form, never as a
        ValueError (a 500)."""
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list] = {}
            for field, messages in errors.error_dict.items():
                if field == "vat_regime":
                    field, messages = (
                        "postal_code",
                        [
                            ValidationError(
                                _(
                                    "This address does not fit the VAT regime of your invoices "
                                    "(%(regime)s): ask our support to change your billing address."
                                ),
                                code="vat_regime",
                                params={"regime": self.instance.get_vat_regime_display()},
                            )
                        ],
                    )
                elif field not in self.fields:
                    field = NON_FIELD_ERRORS
                remapped.setdefault(field, []).extend(messages)
            errors = ValidationError(remapped)
        super()._update_errors(errors)


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "insee_code",
            "cost_centre",
        ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=MAX_EMAIL)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.READ_ONLY)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("fr", "Français"), ("en", "English")]
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
