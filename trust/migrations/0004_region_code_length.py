# The parties' codes may be longer than two letters (ysj_protocol.regions.CODE_MAX_LENGTH); schema only.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('trust', '0003_registry_generation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='acceptedservicecode',
            name='region_code',
            field=models.CharField(max_length=8, verbose_name='签发地区'),
        ),
        migrations.AlterField(
            model_name='historicalregion',
            name='code',
            field=models.CharField(choices=[('SH', '上海市'), ('JS', '江苏省'), ('ZJ', '浙江省'), ('AH', '安徽省')], db_index=True, max_length=8, verbose_name='地区'),
        ),
        migrations.AlterField(
            model_name='holdertoken',
            name='service_code_region',
            field=models.CharField(blank=True, max_length=8, verbose_name='政务服务码签发地区'),
        ),
        migrations.AlterField(
            model_name='region',
            name='code',
            field=models.CharField(choices=[('SH', '上海市'), ('JS', '江苏省'), ('ZJ', '浙江省'), ('AH', '安徽省')], max_length=8, unique=True, verbose_name='地区'),
        ),
    ]
