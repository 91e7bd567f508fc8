# Indexes for the claims list at a million claims: its default order, ?speaker=, ?updated_since=,
# and on PostgreSQL a GIN index for ?q= full-text search.

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

SEARCH_INDEX = "claim_search_idx"


def _search_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    # The same expression as claims.selectors.claim_search_vector(), or the planner cannot use it.
    return GinIndex(SearchVector("text", "speaker", config="english"), name=SEARCH_INDEX)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("claims", "Claim"), _search_index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("claims", "Claim"), _search_index())


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0013_series_links'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['-priority', '-id'], name='claim_priority_order_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(django.db.models.functions.text.Upper('speaker'), name='claim_speaker_upper_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['updated_at'], name='claim_updated_at_idx'),
        ),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
