"""YSJ Portal: the fusion sharing hub and trust service of the Yangtze River Delta certificate system."""

from .celery import app as celery_app

__all__ = ["celery_app"]
