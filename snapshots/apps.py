from django.apps import AppConfig


class SnapshotsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "snapshots"
    verbose_name = "Evidence snapshots"

    def ready(self) -> None:
        from claims import events

        from . import archive, tasks  # noqa: F401  (tasks: registers the Celery tasks queued by name)

        events.register_consumer(
            events.Consumer(
                name=archive.CONSUMER,
                handle=archive.snapshot_new_evidence,
                types=frozenset({events.EventType.EVIDENCE_ADDED}),
            )
        )
