"""Columns for the sealed face numbers and their keyed digests; the summary loses its plain copy next."""

from django.db import migrations, models


def _sealed_columns(model_name: str) -> list[migrations.AddField]:
    return [
        migrations.AddField(
            model_name=model_name,
            name="certificate_number_sealed",
            field=models.TextField(blank=True, editable=False, verbose_name="证照照面编号（密文）"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="certificate_number_key",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=64, verbose_name="证照照面编号摘要"
            ),
        ),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("sharing", "0001_initial"),
    ]

    operations = [
        *_sealed_columns("certificateid"),
        *_sealed_columns("retrievedcertificate"),
        migrations.RenameField(model_name="certificateid", old_name="summary", new_name="stored_summary"),
        migrations.AlterField(
            model_name="certificateid",
            name="stored_summary",
            field=models.JSONField(default=dict, verbose_name="检索结果摘要（不含照面编号）"),
        ),
    ]
