import time

from django.core.management.base import BaseCommand, CommandError

from evidence.verify import verify_log


class Command(BaseCommand):
    help = "核验存证日志：重算每个条目的哈希与默克尔树，核对全部检查点与见证联署，指出第一个被改动、删除或调换的条目"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chunk-size", type=int, default=5000, help="每次从数据库读取的条目数")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        report = verify_log(
            chunk_size=options["chunk_size"],
            progress=lambda n: self.stderr.write(f"已核验 {n} 个条目") if options["verbosity"] > 1 else None,
        )
        elapsed = time.perf_counter() - started
        summary = (
            f"{report.size} 个条目、{report.checkpoints} 个检查点、{report.cosignatures} 个见证联署，用时 {elapsed:.1f} 秒"
        )
        quarantine = (
            f"隔离的待入账存证（quarantined pending entries）：{report.quarantined} 条未入账"
            + ("，见 管理后台 › 存证日志 › 隔离的待入账存证" if report.quarantined else "")
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"存证日志完好（evidence log intact）：{summary}"))
            self.stdout.write(self.style.WARNING(quarantine) if report.quarantined else quarantine)
            return
        self.stderr.write(quarantine)
        for problem in sorted(report.problems)[:20]:
            self.stderr.write(f"- {problem.message}")
        first = report.first()
        raise CommandError(
            f"存证日志被改动（evidence log tampered; first problem at entry {first.index}）：{first.message}。{summary}"
        )
