from django.core.management.base import BaseCommand, CommandError

from regional_node.certificates.models import Certificate, CertificateStatus
from regional_node.certificates.services import set_status


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "变更一张电子证照的状态（有效、注销、过期）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ref", default="", help="证照内部标识 certificateRef")
        parser.add_argument("--number", default="", help="证照照面编号")
        parser.add_argument("--type-code", default="", help="证照类型代码（与照面编号一起使用）")
        parser.add_argument("--status", required=True, choices=CertificateStatus.values)
        parser.add_argument("--reason", default="")

    def handle(self, *args, **options) -> None:
        queryset = Certificate.objects.all()
        if options["ref"]:
            certificate = queryset.filter(ref=options["ref"]).first()
        elif options["number"] and options["type_code"]:
            certificate = queryset.filter(number=options["number"], type_code=options["type_code"]).first()
        else:
            raise CommandError("需提供 --ref，或 --number 与 --type-code")
        if certificate is None:
            raise CommandError("本地区无此证照")
        set_status(certificate, options["status"], options["reason"])
        self.stdout.write(f"{certificate}: {certificate.get_status_display()}")
