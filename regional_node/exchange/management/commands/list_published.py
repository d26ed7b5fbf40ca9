import json

from django.core.management.base import BaseCommand

from regional_node.exchange.models import Forwarding, Publication, PublishedEntry


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "以 JSON 输出本地区当前的目录与清单配置、接收的发布及其转发状态"

    def handle(self, *args, **options) -> None:
        entries = [
            {
                "kind": e.kind,
                "code": e.code,
                "sequence": e.sequence,
                "action": e.action,
                "withdrawn": e.withdrawn,
                "payload": e.payload,
                "publishedAt": e.published_at,
                "firstPublishedAt": e.first_published_at,
            }
            for e in PublishedEntry.objects.order_by("kind", "code")
        ]
        publications = [
            {
                "publicationId": str(p.publication_id),
                "sequence": p.sequence,
                "code": p.code,
                "applied": p.applied,
            }
            for p in Publication.objects.order_by("sequence")
        ]
        forwardings = [
            {
                "sequence": f.publication.sequence,
                "subscriber": f.subscriber.name,
                "state": f.state,
                "attempts": f.attempts,
                "lastError": f.last_error,
            }
            for f in Forwarding.objects.select_related("publication", "subscriber").order_by("id")
        ]
        self.stdout.write(
            json.dumps(
                {"entries": entries, "publications": publications, "forwardings": forwardings},
                ensure_ascii=False,
            )
        )
