from typing import Any

from django.apps import AppConfig
from django.db import connection


def _lock_expense_lines(**kwargs: Any) -> None:
    """A period close waits for expense writes in flight and holds new ones until it commits (as it
    does for time), so none that checked the lock date just before lands in the closed period."""
    if connection.vendor == "postgresql":
        from margin.expenses.models import ExpenseLine

        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ExpenseLine._meta.db_table} IN SHARE MODE")


class ExpensesConfig(AppConfig):
    name = "margin.expenses"
    label = "expenses"

    def ready(self) -> None:
        from margin.timesheets.signals import period_closing

        period_closing.connect(_lock_expense_lines, dispatch_uid="expenses-lock-on-period-close")
