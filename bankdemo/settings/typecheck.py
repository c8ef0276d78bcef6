"""Settings for the type checker only: both sites' apps, so every model is known."""

from bankdemo.settings.bank import *  # noqa: F403
from bankdemo.settings.bank import INSTALLED_APPS
from bankdemo.settings.env import env_int, env_str

INSTALLED_APPS = [*INSTALLED_APPS, "mynaportal.simulator"]
MYNAPORTAL_SIM_ISSUER = env_str("MYNAPORTAL_SIM_ISSUER", "")
MYNAPORTAL_SIM_PROCESSING_SECONDS = env_int("MYNAPORTAL_SIM_PROCESSING_SECONDS", 0)
