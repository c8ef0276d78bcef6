from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "mynaportal.simulator"
    label = "simulator"
    verbose_name = "Mynaportal simulator"
