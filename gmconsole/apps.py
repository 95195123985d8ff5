from django.apps import AppConfig


class GmconsoleConfig(AppConfig):
    name = "gmconsole"
    verbose_name = "GM console"
