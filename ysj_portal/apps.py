from django.apps import AppConfig


class YsjPortalConfig(AppConfig):
    """The project package as an app, so that project-wide commands (load_demo) have a home."""

    name = "ysj_portal"
    verbose_name = "长三角电子证照融合共享服务系统"

    def ready(self) -> None:
        from django.apps import apps

        from ysj_portal import checks  # noqa: F401 - registers the checks of the secrets and settings

        # django-axes names its admin section in English and ships no Chinese; its strings are
        # translated in this package's locale, its section name here.
        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = "管理后台登录安全"
