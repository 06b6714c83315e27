"""Console work queues: what the audit of the staff console found (issue 17)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


# Issue 17 — "assign to me" goes back to the page it came from (``next``); a ``next`` that is
# not an address of this site (no "/" nor ".": "²", "queue") answered 500 (``redirect`` took
# it for a view's name). It goes back to the queue instead, as for another site's address.
@pytest.mark.parametrize("back", ["²", "queue", "https://evil.example/", "//evil.example/"])
def test_assign_with_a_next_that_is_no_address_goes_back_to_the_queue(
    as_staff, support_agent, back
):
    url = reverse("console:assign", args=["support.tickets", 1])
    response = as_staff(support_agent).post(url, {"next": back})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:queue", args=["support.tickets"])


def test_assign_goes_back_to_the_page_it_came_from(as_staff, support_agent):
    url = reverse("console:assign", args=["support.tickets", 1])
    back = reverse("console:queue", args=["support.tickets"]) + "?assignee=me"
    response = as_staff(support_agent).post(url, {"next": back})
    assert response.status_code == 302 and response["Location"] == back
