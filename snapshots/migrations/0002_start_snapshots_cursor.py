from django.db import migrations


def start_snapshots_cursor(apps, schema_editor):
    """Snapshots are taken of evidence added from now on: the consumer starts at the end of the log.

    Evidence added before is archived on request (``manage.py snapshot_evidence --missing``),
    not all at once by the first dispatch after the upgrade.
    """
    ClaimEvent = apps.get_model("claims", "ClaimEvent")
    EventCursor = apps.get_model("claims", "EventCursor")
    last = ClaimEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    EventCursor.objects.get_or_create(name="snapshots", defaults={"position": last})


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_event_log"),
        ("snapshots", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(start_snapshots_cursor, migrations.RunPython.noop),
    ]
