from django.apps import AppConfig


class NpcsConfig(AppConfig):
    name = "npcs"
    verbose_name = "NPCs"
