from django.core.management.base import BaseCommand, CommandError

from regional_node.exchange.models import Subscriber
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "登记（或更新）接收目录与清单转发的本地区电子证照应用系统"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="接收转发的完整地址")
        parser.add_argument("--public-key", required=True, help="应用系统的 SM2 公钥（04 开头）")
        parser.add_argument("--inactive", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            public_key = sm2.PublicKey.from_hex(options["public_key"]).hex()
        except CryptoError as exc:
            raise CommandError(f"SM2 公钥无效：{exc}") from exc
        subscriber, created = Subscriber.objects.update_or_create(
            name=options["name"],
            defaults={"url": options["url"], "public_key": public_key, "is_active": not options["inactive"]},
        )
        self.stdout.write(f"{'已登记' if created else '已更新'}：{subscriber.name} {subscriber.url}")
