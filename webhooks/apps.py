from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from claims import events

        from . import payloads, queueing, tasks  # noqa: F401  (tasks: registers the Celery tasks queued by name)

        events.register_consumer(
            events.Consumer(
                name=queueing.CONSUMER,
                handle=queueing.queue_deliveries,
                types=frozenset(payloads.WEBHOOK_TYPES),
            )
        )
