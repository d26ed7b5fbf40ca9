from django.core.management.base import BaseCommand

from evidence.runner import interval, run_forever


class Command(BaseCommand):
    help = "持续将待入账存证写入存证日志，签发检查点并收集各地区见证联署（无消息队列时使用）"

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"存证日志入账进程已启动，每 {interval():g} 秒一次")
        run_forever()
