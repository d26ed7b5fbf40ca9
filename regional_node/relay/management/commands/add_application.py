from django.core.management.base import BaseCommand, CommandError

from regional_node.relay.models import Application, ApplicationStatus
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "登记（或更新）经本节点调用共享接口的本地区电子证照应用系统"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--app-id", required=True, help="应用标识 appId（与融合共享服务系统登记的相同）")
        parser.add_argument("--public-key", required=True, help="应用系统的 SM2 公钥（04 开头）")
        parser.add_argument("--name", required=True, help="应用名称")
        parser.add_argument("--suspended", action="store_true", help="登记为已暂停")

    def handle(self, *args, **options) -> None:
        app_id = options["app_id"].strip()
        if not app_id or len(app_id) > 64:
            raise CommandError("appId 应为 1-64 个字符")
        try:
            public_key = sm2.PublicKey.from_hex(options["public_key"]).hex()
        except CryptoError as exc:
            raise CommandError(f"SM2 公钥无效：{exc}") from exc
        status = ApplicationStatus.SUSPENDED if options["suspended"] else ApplicationStatus.ACTIVE
        application, created = Application.objects.update_or_create(
            app_id=app_id, defaults={"name": options["name"], "public_key": public_key, "status": status}
        )
        self.stdout.write(
            f"{'已登记' if created else '已更新'}：{application.app_id} {application.name}（{application.get_status_display()}）"
        )
