"""A service's refusal shown on a form: the portal's and the back office's one mapping."""

from django.core.exceptions import ValidationError


def error_text(error) -> str:
    """The messages of an error, as one line (for the messages framework)."""
    return " ".join(getattr(error, "messages", None) or [str(error)])


def attach_errors(form, error: ValidationError) -> None:
    """Show a service's validation error (``InvalidTransition`` included) on the form: field
    errors where the field exists, the rest at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
