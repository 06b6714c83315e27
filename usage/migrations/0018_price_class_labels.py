"""The label of the "uan" price class: 0806-0809, priced as a geographic call (ARCEP
2012-0856) — it read "Universal access (084–087)"."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('usage', '0017_grid_corrections'),
    ]

    operations = [
        migrations.AlterField(
            model_name='callrecord',
            name='price_class',
            field=models.CharField(blank=True, choices=[('standard', 'Standard'), ('toll_free', 'Toll free (080)'), ('shared_cost', 'Shared cost (081, 082)'), ('uan', 'Price of a normal call (0806–0809)'), ('premium', 'Premium rate (089)'), ('short', 'Short number')], max_length=12, verbose_name='price class'),
        ),
        migrations.AlterField(
            model_name='tariff',
            name='price_class',
            field=models.CharField(choices=[('standard', 'Standard'), ('toll_free', 'Toll free (080)'), ('shared_cost', 'Shared cost (081, 082)'), ('uan', 'Price of a normal call (0806–0809)'), ('premium', 'Premium rate (089)'), ('short', 'Short number')], default='standard', max_length=12, verbose_name='price class'),
        ),
    ]
