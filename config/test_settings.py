"""Test settings: the real settings, with jobs run immediately and a fast password hasher.

MARGIN_TEST_DATABASE_URL switches the whole suite to PostgreSQL (make test / .ci/run)."""

import os

import dj_database_url

from config.settings import *  # noqa: F403
from config.settings import DATABASES, PREPARED_STATEMENTS

_test_url = os.environ.get("MARGIN_TEST_DATABASE_URL")
if _test_url:
    DATABASES["default"] = dj_database_url.parse(_test_url)
    if PREPARED_STATEMENTS:  # as config/settings.py does (margin.core.prepared)
        DATABASES["default"]["OPTIONS"] = {"prepare_threshold": 0}
else:
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        "TEST": {"NAME": ":memory:"},
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
