from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ysj_protocol.crypto import sm2

from ...keys import write_private_key_file


class Command(BaseCommand):
    help = "生成 SM2 密钥对：私钥写入文件（仅属主可读），公钥打印到标准输出。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", type=Path, help="私钥文件路径；不给则把私钥也打印出来")
        parser.add_argument("--force", action="store_true", help="覆盖已存在的私钥文件")

    def handle(self, *args, out: Path | None = None, force: bool = False, **options) -> None:
        key = sm2.PrivateKey.generate()
        if out is not None:
            if out.exists() and not force:
                raise CommandError(f"{out} 已存在；如确需覆盖请加 --force")
            write_private_key_file(out, key)
            self.stderr.write(f"私钥已写入 {out}")
        else:
            self.stdout.write(f"private_key={key.hex()}")
        self.stdout.write(f"public_key={key.public_key.hex()}")
