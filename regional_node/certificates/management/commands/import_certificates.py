from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regional_node.certificates.importing import InvalidRecord, import_rows, parse_lines


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "从 JSON Lines 文件导入本地区电子证照（字段同证照信息接口；先整体校验，任一行有误则不导入）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="JSON Lines 文件，每行一张证照；- 表示标准输入")

    def handle(self, *args, **options) -> None:
        import sys

        try:
            if options["path"] == "-":
                rows = parse_lines(sys.stdin)
            else:
                with Path(options["path"]).open(encoding="utf-8") as handle:
                    rows = parse_lines(handle)
        except OSError as exc:
            raise CommandError(f"无法读取 {options['path']}：{exc}") from exc
        except InvalidRecord as exc:
            raise CommandError(f"{exc}（未导入任何证照）") from exc
        created, updated = import_rows(rows)
        self.stdout.write(f"新增 {created} 张，更新 {updated} 张")
