from django.apps import AppConfig


class FseConfig(AppConfig):
    name = "fse"
    verbose_name = "FSE : agendas et contrôle de service fait"
