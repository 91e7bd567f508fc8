from django.db import migrations


def start_webhooks_cursor(apps, schema_editor):
    """Webhooks are sent for events from now on: the consumer starts at the end of the log.

    No endpoint exists before this migration, so nothing that happened earlier could be owed to one.
    """
    ClaimEvent = apps.get_model("claims", "ClaimEvent")
    EventCursor = apps.get_model("claims", "EventCursor")
    last = ClaimEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    EventCursor.objects.get_or_create(name="webhooks", defaults={"position": last})


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_event_log"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(start_webhooks_cursor, migrations.RunPython.noop),
    ]
