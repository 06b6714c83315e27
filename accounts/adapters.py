from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Customers are created by staff or partners and their users are invited (ACC-2):
    nobody signs up on their own."""

    def is_open_for_signup(self, request):
        return False
