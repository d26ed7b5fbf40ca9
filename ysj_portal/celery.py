"""Celery application. Without CELERY_BROKER_URL tasks run inline (see settings)."""

import os

from celery import Celery

from .task_request_ids import connect as carry_request_ids

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ysj_portal.settings")

app = Celery("ysj_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A task queued during a request logs, and calls the regions, under that request's ID.
carry_request_ids()
