# Indexes for the claims list at a million claims: its default order, ?speaker=, ?updated_since=,
# and on PostgreSQL a GIN index for ?q= full-text search.

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

# ?q= on PostgreSQL reads a stored search vector (a generated column, so every write path keeps
# it without a line of code) through a GIN index. Stored, not computed per row: the planner may
# walk the priority index and test each row, and to_tsvector on every row tested cost 200 ms
# a page at 300,000 claims.
ADD_SEARCH = """
ALTER TABLE claims_claim ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('english'::regconfig, COALESCE(text, '') || ' ' || COALESCE(speaker, ''))
) STORED;
CREATE INDEX claim_search_idx ON claims_claim USING gin (search);
"""
DROP_SEARCH = "DROP INDEX IF EXISTS claim_search_idx; ALTER TABLE claims_claim DROP COLUMN IF EXISTS search;"


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD_SEARCH)


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SEARCH)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0014_statistics_tallies'),
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
        migrations.RunPython(add_search_vector, drop_search_vector),
    ]
