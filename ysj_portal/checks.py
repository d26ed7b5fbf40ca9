"""System checks of the hub's secrets: ``manage.py check --deploy`` fails on a development key.

With DEBUG off the settings already refuse to start without SECRET_KEY and YSJ_DATA_KEY; with
DEBUG on they fall back to the public development key and a data key derived from it. A host about
to go into production runs ``check --deploy``, and these errors stop it there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from ysj_portal.secrets_env import DEVELOPMENT_SECRET_KEY


@register(Tags.security, deploy=True)
def check_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Errors for the development SECRET_KEY and for a data key derived from SECRET_KEY."""
    errors = []
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY 为公开的开发用密钥",
                hint="在环境变量 SECRET_KEY 中设置随机的长密钥，并关闭 DEBUG。",
                id="ysj_portal.E001",
            )
        )
    if not (getattr(settings, "YSJ_DATA_KEY", "") or "").strip():
        errors.append(
            Error(
                "未设置 YSJ_DATA_KEY：身份证号与手机号的加密密钥由 SECRET_KEY 派生",
                hint="在环境变量 YSJ_DATA_KEY 中设置 32 位十六进制的随机密钥，并妥善保管（更换后已存数据无法解密）。",
                id="ysj_portal.E002",
            )
        )
    return errors


@register(Tags.security)
def check_metrics_networks(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """An error for each entry of YSJ_METRICS_ALLOWED_NETWORKS that is not a network."""
    from ysj_portal.metrics import allowed_networks

    return [
        Error(
            f"YSJ_METRICS_ALLOWED_NETWORKS 中的 {entry!r} 不是有效的网络地址",
            hint="以逗号分隔的 IP 地址或网段，如 127.0.0.1/32,10.0.0.0/8；无效项不放行任何地址。",
            id="ysj_portal.E003",
        )
        for entry in allowed_networks()[1]
    ]
