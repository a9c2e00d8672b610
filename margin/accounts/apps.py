from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "margin.accounts"
    label = "accounts"
