from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The governance portal's home page: what is each administrator's to do, and how the regions fare."""

    name = "dashboard"
    verbose_name = "首页"
