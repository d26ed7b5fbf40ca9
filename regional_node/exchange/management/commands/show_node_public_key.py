from django.core.management.base import BaseCommand

from regional_node.keys import node_public_key


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "输出本地区的 SM2 公钥（在融合共享服务系统中登记）"

    def handle(self, *args, **options) -> None:
        self.stdout.write(node_public_key().hex())
