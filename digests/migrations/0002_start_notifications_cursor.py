from django.db import migrations


def start_notifications_cursor(apps, schema_editor):
    """Notifications are for what happens from now on: the consumer starts at the end of the log.

    Nobody should get an email about an assignment or a verdict from before notifications existed.
    """
    ClaimEvent = apps.get_model("claims", "ClaimEvent")
    EventCursor = apps.get_model("claims", "EventCursor")
    last = ClaimEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    EventCursor.objects.get_or_create(name="notifications", defaults={"position": last})


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_event_log"),
        ("digests", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(start_notifications_cursor, migrations.RunPython.noop),
    ]
