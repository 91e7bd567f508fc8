from django.apps import AppConfig


class DigestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "digests"
    verbose_name = "Digests and notifications"

    def ready(self) -> None:
        from claims import events

        from . import notifications, tasks  # noqa: F401  (tasks: registers the Celery tasks queued by name)

        events.register_consumer(
            events.Consumer(
                name=notifications.CONSUMER,
                handle=notifications.record_notifications,
                types=notifications.NOTIFYING_EVENTS,
            )
        )
