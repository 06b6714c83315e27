"""ACC-2: the membership permission the telephony pages that change something need."""

WRITE = "technical"  # ACC-2: channels, credentials and destinations (admin and technical roles)
