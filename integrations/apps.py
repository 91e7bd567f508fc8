from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Integrations and API keys"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI description of API keys)
