"""Each list records the regions its confirmation round needs; the rounds so far needed the four.

The four are written out here, not read from ``ysj_protocol.regions``: run on an old database
after the table has grown, this migration must still record what those rounds needed.
"""

from django.db import migrations, models

import scenarios.models

#: The parties of every round opened before this migration (appendix A of the standard).
FOUR_PARTIES = {"SH": "上海市", "JS": "江苏省", "ZJ": "浙江省", "AH": "安徽省"}


def record_the_four(apps, schema_editor) -> None:
    for model in ("ScenarioList", "HistoricalScenarioList"):
        apps.get_model("scenarios", model).objects.update(round_regions=FOUR_PARTIES)


class Migration(migrations.Migration):

    dependencies = [
        ('scenarios', '0002_admin_list_order_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalscenariolist',
            name='round_regions',
            field=models.JSONField(default=scenarios.models.current_parties, editable=False, help_text='本轮确认开启时记录的地区（代码：名称）；此后新增的地区不改变已开启的确认轮次', verbose_name='本轮需确认的地区'),
        ),
        migrations.AddField(
            model_name='scenariolist',
            name='round_regions',
            field=models.JSONField(default=scenarios.models.current_parties, editable=False, help_text='本轮确认开启时记录的地区（代码：名称）；此后新增的地区不改变已开启的确认轮次', verbose_name='本轮需确认的地区'),
        ),
        migrations.RunPython(record_the_four, migrations.RunPython.noop),
    ]
