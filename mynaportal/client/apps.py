from django.apps import AppConfig


class ClientConfig(AppConfig):
    name = "mynaportal.client"
    label = "mynaportal_client"
    verbose_name = "Mynaportal client"
