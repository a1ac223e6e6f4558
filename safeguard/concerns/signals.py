"""What other capabilities may react to, sent inside the concern's own transaction (so whatever a
receiver writes, such as a clock to share, commits with the concern or not at all). Sharing starts its
clocks from these; concerns know nothing of sharing."""

from django.dispatch import Signal

# Sent with ``concern``: a concern was submitted to its supervisor.
concern_submitted = Signal()
# Sent with ``concern``: a supervisor (or the hub) endorsed a concern.
concern_endorsed = Signal()
