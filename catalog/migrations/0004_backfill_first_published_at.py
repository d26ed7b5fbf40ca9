"""Backfill the first publication time (6.2 b) of entries published without it.

The services always set it; a row written around them (an import, a manual fix) may lack it.
The earliest publication of the entry in the outbox is its first publication; failing that, the
last update time is the best known bound.
"""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor) -> None:
    CatalogEntry = apps.get_model("catalog", "CatalogEntry")
    Publication = apps.get_model("catalog", "Publication")
    first_publication = (
        Publication.objects.filter(kind="catalog", action="publish", object_id=OuterRef("pk"))
        .values("object_id")
        .annotate(first=Min("published_at"))
        .values("first")
    )
    CatalogEntry.objects.filter(first_published_at__isnull=True, status__in=["published", "withdrawn"]).update(
        first_published_at=Coalesce(Subquery(first_publication), "updated_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_type_code_structure"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
