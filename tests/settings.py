"""Test settings: the real settings plus a test-only case model (``casework``) for the access matrix.

The foundation has no case records of its own yet; ``casework.CaseNote`` is a ScopedRecord with a
page and an endpoint so the policy, the audit and break-the-glass are proven through real doors.
"""

import os

os.environ.setdefault("SAFEGUARD_MANIFEST_STATIC", "0")

from safeguard.settings import *  # noqa: F403
from safeguard.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.casework"]
ROOT_URLCONF = "tests.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SAFEGUARD_REQUIRE_MFA = True
