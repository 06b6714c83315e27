"""The portal's channel form and the pack tables have the API's cap (issue 13, defect 4)."""

import pytest
from django.core.exceptions import ValidationError

from telephony.forms import ChannelChangeForm
from telephony.models import PackTable
from telephony.packs import DEFAULT_CAP


def _errors(data, **kwargs) -> dict:
    form = ChannelChangeForm(data=data, **kwargs)
    form.is_valid()
    return form.errors


# TRK-1 — a total of channels: ASCII digits ("１２" was read as 12), 1 to the trunk's cap.
@pytest.mark.parametrize("value", ["１２", "١٢", "0", str(DEFAULT_CAP + 1)])
def test_channel_total_bounds(value):
    assert "total" in _errors({"total": value})


def test_channel_total_at_cap():
    assert _errors({"total": str(DEFAULT_CAP)}) == {}
    assert "total" in _errors({"total": "31"}, max_channels=30)


# TRK-1 — the cap is TRUNK 2's 200 channels, the one the API documents: a pack table may
# hold fewer, never more (a cap of 1 000 let the portal offer what the API refuses).
def test_pack_table_cap_bounded():
    field = PackTable._meta.get_field("max_channels")
    assert field.default == DEFAULT_CAP
    field.run_validators(DEFAULT_CAP)
    with pytest.raises(ValidationError):
        field.run_validators(DEFAULT_CAP + 1)
