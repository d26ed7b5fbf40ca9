from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ...keys import hub_public_key


class Command(BaseCommand):
    help = "打印本系统（融合共享服务系统）的 SM2 公钥，供各地区与应用系统登记。"

    def handle(self, *args, **options) -> None:
        try:
            self.stdout.write(hub_public_key().hex())
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
