"""The web screens."""

from __future__ import annotations

from datetime import date

from django.urls import path, register_converter

from margin.web.views import (
    approvals,
    auth,
    board,
    calendars,
    exchange_rates,
    expenses,
    gantt,
    home,
    invoices,
    periods,
    projects,
    settings,
    settings_clients,
    settings_delegates,
    tasks,
    week,
)
from margin.web.views import notifications as notices


class IsoDateConverter:
    """`2026-03-02` in a URL ↔ a `date`; anything that is not a real date does not match (404), nor does a
    year outside 1900–2999 (the week around 0001-01-01 or 9999-12-31 does not exist in Python's dates)."""

    regex = r"(?:19|2\d)\d{2}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value: date) -> str:
        return value.isoformat()


register_converter(IsoDateConverter, "isodate")

app_name = "web"
urlpatterns = [
    path("signin/", auth.sign_in, name="login"),
    path("signout/", auth.sign_out, name="logout"),
    path("", home.home, name="home"),
    path("projects/<int:project_id>/", projects.project_detail, name="project"),
    path("projects/<int:project_id>/gantt/", gantt.project_gantt, name="project_gantt"),
    path("projects/<int:project_id>/board/", board.project_board, name="project_board"),
    path("projects/<int:project_id>/tasks/", tasks.project_tasks, name="project_tasks"),
    path("projects/<int:project_id>/tasks/add/", tasks.task_add, name="task_add"),
    path("tasks/<int:task_id>/", tasks.task_detail, name="task"),
    path("tasks/<int:task_id>/cell/", tasks.task_cell, name="task_cell"),
    path("tasks/<int:task_id>/indent/", tasks.task_shift, {"direction": "indent"}, name="task_indent"),
    path("tasks/<int:task_id>/outdent/", tasks.task_shift, {"direction": "outdent"}, name="task_outdent"),
    path("tasks/<int:task_id>/links/", tasks.task_link_add, name="task_link_add"),
    path("tasks/<int:task_id>/links/<int:link_id>/delete/", tasks.task_link_delete, name="task_link_delete"),
    path("tasks/<int:task_id>/assignments/", tasks.task_assignment_add, name="task_assignment_add"),
    path(
        "tasks/<int:task_id>/assignments/<int:assignment_id>/delete/",
        tasks.task_assignment_delete,
        name="task_assignment_delete",
    ),
    path("tasks/<int:task_id>/delete/", tasks.task_remove, name="task_delete"),
    path("board/", board.my_board, name="board"),
    path("board/tasks/<int:task_id>/move/", board.board_move, name="board_move"),
    path("board/columns/<int:column_id>/", board.board_column_edit, name="board_column"),
    path("projects/<int:project_id>/invoice/", projects.invoice_draft, name="project_invoice_draft"),
    path("projects/<int:project_id>/billing-increment/", projects.billing_increment, name="project_billing_increment"),
    path("week/", week.week, name="week"),
    path("week/cell/", week.week_cell, name="week_cell"),
    path("week/tasks/", week.week_task_search, name="week_task_search"),
    path("week/<isodate:day>/", week.week, name="week_on"),
    path("week/<isodate:day>/submit/", week.week_submit, name="week_submit"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/approve/", approvals.approve, name="approvals_approve"),
    path("approvals/reject/", approvals.reject, name="approvals_reject"),
    path("notifications/", notices.notification_list, name="notifications"),
    path("notifications/menu/", notices.notification_menu, name="notification_menu"),
    path("notifications/read/", notices.notifications_read, name="notifications_read"),
    path("notifications/<int:notification_id>/open/", notices.notification_open, name="notification_open"),
    path("expenses/", expenses.claim_list, name="expenses"),
    path("expenses/approvals/", expenses.approvals, name="expense_approvals"),
    path("expenses/settings/", expenses.expense_settings, name="expense_settings"),
    path("expenses/<int:claim_id>/", expenses.claim_detail, name="expense_claim"),
    path("expenses/<int:claim_id>/lines/", expenses.line_add, name="expense_line_add"),
    path("expenses/<int:claim_id>/submit/", expenses.claim_submit, name="expense_claim_submit"),
    path("expenses/<int:claim_id>/approve/", expenses.claim_approve, name="expense_claim_approve"),
    path("expenses/<int:claim_id>/reject/", expenses.claim_reject, name="expense_claim_reject"),
    path("expenses/<int:claim_id>/reimburse/", expenses.claim_reimburse, name="expense_claim_reimburse"),
    path("expenses/lines/<int:line_id>/delete/", expenses.line_delete, name="expense_line_delete"),
    path("expenses/lines/<int:line_id>/receipts/", expenses.receipt_upload, name="expense_receipt_upload"),
    path("expenses/receipts/<int:receipt_id>/", expenses.receipt_file, name="expense_receipt"),
    path("expenses/receipts/<int:receipt_id>/thumbnail/", expenses.receipt_thumbnail, name="expense_receipt_thumb"),
    path("expenses/receipts/<int:receipt_id>/delete/", expenses.receipt_delete, name="expense_receipt_delete"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("periods/", periods.periods, name="periods"),
    path("periods/close/", periods.period_close_view, name="period_close"),
    path("periods/<int:lock_id>/reopen/", periods.period_reopen_view, name="period_reopen"),
    path("invoices/run/", invoices.invoice_run, name="invoice_run"),
    path("invoices/runs/<int:run_id>/", invoices.invoice_run_status, name="invoice_run_status"),
    path("invoices/<int:invoice_id>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/issue/", invoices.invoice_issue_view, name="invoice_issue"),
    path("invoices/<int:invoice_id>/discard/", invoices.invoice_discard_view, name="invoice_discard"),
    path("invoices/<int:invoice_id>/print/", invoices.invoice_print, name="invoice_print"),
    path("exchange-rates/", exchange_rates.exchange_rates, name="exchange_rates"),
    path("exchange-rates/new/", exchange_rates.exchange_rate_new, name="exchange_rate_new"),
    path("exchange-rates/ecb/", exchange_rates.exchange_rates_ecb, name="exchange_rates_ecb"),
    path(
        "exchange-rates/ecb/runs/<int:run_id>/",
        exchange_rates.exchange_rates_ecb_status,
        name="exchange_rates_ecb_status",
    ),
    path("exchange-rates/<int:rate_id>/delete/", exchange_rates.exchange_rate_remove, name="exchange_rate_delete"),
    path("calendars/", calendars.calendar_list, name="calendars"),
    path("calendars/new/", calendars.calendar_new, name="calendar_new"),
    path("calendars/subdivisions/", calendars.calendar_subdivisions, name="calendar_subdivisions"),
    path("calendars/<int:calendar_id>/", calendars.calendar_detail, name="calendar"),
    path("calendars/<int:calendar_id>/delete/", calendars.calendar_remove, name="calendar_delete"),
    path("calendars/<int:calendar_id>/exceptions/", calendars.calendar_exception_new, name="calendar_exception_add"),
    path(
        "calendars/<int:calendar_id>/exceptions/<int:exception_id>/delete/",
        calendars.calendar_exception_delete,
        name="calendar_exception_delete",
    ),
    path("settings/time/", settings.time_settings, name="settings_time"),
    path("settings/time/<int:company_id>/", settings.time_policy_save, name="settings_time_policy"),
    path("settings/people/", settings.people_settings, name="settings_people"),
    path("settings/people/<int:person_id>/start-date/", settings.person_start_date_save, name="settings_start_date"),
    path(
        "settings/people/<int:person_id>/log-for-others/",
        settings.person_log_for_others_save,
        name="settings_log_for_others",
    ),
    path("settings/clients/", settings_clients.client_settings, name="settings_clients"),
    path("settings/clients/<int:client_id>/", settings_clients.client_increment_save, name="settings_client"),
    path("settings/delegates/", settings_delegates.delegates, name="settings_delegates"),
    path("settings/delegates/add/", settings_delegates.delegate_add, name="settings_delegate_add"),
    path(
        "settings/delegates/<int:delegate_id>/remove/",
        settings_delegates.delegate_remove,
        name="settings_delegate_remove",
    ),
]
