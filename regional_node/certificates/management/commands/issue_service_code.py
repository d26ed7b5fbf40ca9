from django.core.management.base import BaseCommand, CommandError

from regional_node.certificates.service_codes import IssueRefused, issue_for


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "为本地区的持证主体签发演示用政务服务码（12.2.2）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("holder_code", help="身份证号或统一社会信用代码")
        parser.add_argument("--type", default="", help="码类型，如 suishenma、sufuma（默认为本地区常用码）")
        parser.add_argument("--ttl", type=int, default=0, help="有效期（秒）")
        parser.add_argument("--with-certificates", action="store_true", help="码中携带持证主体的有效证照")

    def handle(self, *args, **options) -> None:
        try:
            issued = issue_for(
                options["holder_code"],
                code_type=options["type"],
                ttl_seconds=options["ttl"] or None,
                with_certificates=options["with_certificates"],
            )
        except IssueRefused as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(issued.text)
