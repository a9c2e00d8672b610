from django.apps import AppConfig


class ExpensesConfig(AppConfig):
    name = "margin.expenses"
    label = "expenses"
