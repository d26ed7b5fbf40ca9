from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from regional_node.keys import write_private_key_file
from ysj_protocol.crypto import sm2


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "生成本地区的 SM2 密钥对，私钥写入仅属主可读的文件，并输出公钥"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", default="", help="私钥文件（默认 NODE_KEY_FILE）")
        parser.add_argument("--force", action="store_true", help="覆盖已有的密钥文件")

    def handle(self, *args, **options) -> None:
        path = Path(options["out"] or settings.NODE_KEY_FILE)
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} 已存在；如需替换请加 --force（旧公钥将失效）")
        key = sm2.PrivateKey.generate()
        write_private_key_file(path, key)
        self.stdout.write(key.public_key.hex())
