"""The plain face-number columns go: only the sealed value and its keyed digest remain."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("sharing", "0003_seal_face_numbers"),
    ]

    operations = [
        migrations.RemoveField(model_name="certificateid", name="certificate_number"),
        migrations.RemoveField(model_name="retrievedcertificate", name="certificate_number"),
    ]
