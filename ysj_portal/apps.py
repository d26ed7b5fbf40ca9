from django.apps import AppConfig


class YsjPortalConfig(AppConfig):
    """The project package as an app, so that project-wide commands (load_demo) have a home."""

    name = "ysj_portal"
    verbose_name = "长三角电子证照融合共享服务系统"

    def ready(self) -> None:
        from ysj_portal import checks  # noqa: F401 - registers the deploy checks of the secrets
