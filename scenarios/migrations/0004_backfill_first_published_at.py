"""Backfill the first publication time (6.3 c) of scenario lists published without it.

The services always set it; a row written around them may lack it. The earliest publication of
the list in the outbox is its first publication; failing that, its earliest "published" event,
then its last update time.
"""

from django.db import migrations
from django.db.models import Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor) -> None:
    ScenarioList = apps.get_model("scenarios", "ScenarioList")
    ScenarioEvent = apps.get_model("scenarios", "ScenarioEvent")
    Publication = apps.get_model("catalog", "Publication")
    first_publication = (
        Publication.objects.filter(kind="scenario", action="publish", object_id=OuterRef("pk"))
        .values("object_id")
        .annotate(first=Min("published_at"))
        .values("first")
    )
    first_event = (
        ScenarioEvent.objects.filter(kind="published", scenario_list=OuterRef("pk"))
        .values("scenario_list")
        .annotate(first=Min("at"))
        .values("first")
    )
    ScenarioList.objects.filter(first_published_at__isnull=True).filter(
        Q(status__in=["published", "withdrawn"]) | Q(published_revision__isnull=False)
    ).update(first_published_at=Coalesce(Subquery(first_publication), Subquery(first_event), "updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_backfill_first_published_at"),
        ("scenarios", "0003_round_regions"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
