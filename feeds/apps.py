from django.apps import AppConfig


class FeedsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feeds"
    verbose_name = "Feeds"

    def ready(self) -> None:
        # Registers the Celery tasks that beat and the services queue by name.
        from . import tasks  # noqa: F401
