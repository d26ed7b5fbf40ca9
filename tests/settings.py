"""The hub's settings for the test run: secrets of the run's own when the environment has none.

The hub refuses to start without SECRET_KEY and YSJ_DATA_KEY (DEBUG off), so that production never
runs on a public key; the tests run the same code path with random values. They are put into the
environment, so the processes the tests start (regional nodes, commands) inherit them.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("YSJ_DATA_KEY", secrets.token_hex(16))

from ysj_portal.settings import *  # noqa: E402,F403

# Admin-login lockout is on in production and in tests/security; elsewhere tests log in with the
# test client's login(), which calls authenticate() without a request, as django-axes requires.
AXES_ENABLED = False
