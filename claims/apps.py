from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        # Registers the Celery tasks that services queue by name (claims.background).
        from factcheck import checks  # noqa: F401  (registers the deploy checks)

        from . import events, stats, tallies, tasks  # noqa: F401

        events.register_consumer(
            events.Consumer(
                name="priority", handle=stats.refresh_priority_consumer, types=stats.PRIORITY_EVENTS
            )
        )
        events.register_consumer(events.Consumer(name=tallies.CONSUMER, handle=tallies.tally_events))
