"""The web screens."""

from __future__ import annotations

from datetime import date

from django.urls import path, re_path, register_converter

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
    project_list,
    project_new,
    project_rates,
    project_settings,
    projects,
    security,
    settings,
    settings_clients,
    settings_delegates,
    settings_firm,
    settings_people,
    settings_users,
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
    path("signin/code/", auth.sign_in_code, name="sign_in_code"),
    path("invitations/<str:secret>/", auth.invitation, name="invitation"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_sent, name="password_reset_sent"),
    path("password-reset/<uidb64>/<token>/", auth.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/done/", auth.password_reset_done, name="password_reset_done"),
    path("security/", security.security, name="security"),
    path("security/tokens/", security.token_create, name="token_create"),
    path("security/tokens/<int:token_id>/revoke/", security.token_revoke, name="token_revoke"),
    path("security/two-factor/", security.two_factor, name="two_factor"),
    path("security/two-factor/start/", security.two_factor_start, name="two_factor_start"),
    path("security/two-factor/qr.svg", security.two_factor_qr, name="two_factor_qr"),
    re_path(
        r"^security/two-factor/(?P<step>confirm|renew|disable)/$", security.two_factor_code, name="two_factor_code"
    ),
    path("", home.home, name="home"),
    path("projects/", project_list.project_list, name="projects"),
    path("projects/new/", project_new.project_new, name="project_new"),
    path("projects/new/blank/", project_new.project_new_blank, name="project_new_blank"),
    path("projects/new/from/<int:project_id>/", project_new.project_new_from, name="project_new_from"),
    path("projects/<int:project_id>/", projects.project_detail, name="project"),
    path("projects/<int:project_id>/team/", project_settings.project_team, name="project_team"),
    path(
        "projects/<int:project_id>/team/<int:person_id>/remove/",
        project_settings.project_member_remove_view,
        name="project_member_remove",
    ),
    path("projects/<int:project_id>/rates/", project_rates.project_rates, name="project_rates"),
    path("projects/<int:project_id>/settings/", project_settings.project_settings, name="project_settings"),
    path("projects/<int:project_id>/archive/", project_settings.project_archive_view, name="project_archive"),
    path(
        "projects/<int:project_id>/save-as-template/",
        project_settings.project_save_as_template,
        name="project_save_as_template",
    ),
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
    path("settings/organisation/", settings_firm.organisation, name="settings_organisation"),
    path("settings/companies/new/", settings_firm.company_new, name="settings_company_new"),
    path("settings/companies/number-preview/", settings_firm.invoice_number_preview, name="settings_number_preview"),
    path("settings/companies/<int:company_id>/", settings_firm.company_detail, name="settings_company"),
    path("settings/roles/", settings_firm.roles, name="settings_roles"),
    path("settings/roles/<int:role_id>/", settings_firm.role_rename, name="settings_role"),
    path("settings/pools/", settings_firm.pool_add, name="settings_pool_add"),
    path("settings/people/", settings_people.people_list, name="settings_people"),
    path("settings/people/new/", settings_people.person_new, name="settings_person_new"),
    path("settings/people/<int:person_id>/", settings_people.person_detail, name="settings_person"),
    path("settings/people/<int:person_id>/cost-rates/", settings_people.cost_rate_add, name="settings_cost_rate_add"),
    path(
        "settings/people/<int:person_id>/cost-rates/<int:rate_id>/delete/",
        settings_people.cost_rate_remove,
        name="settings_cost_rate_delete",
    ),
    path(
        "settings/people/<int:person_id>/log-for-others/",
        settings_people.person_log_for_others,
        name="settings_log_for_others",
    ),
    path("settings/clients/", settings_clients.client_list, name="settings_clients"),
    path("settings/clients/new/", settings_clients.client_new, name="settings_client_new"),
    path("settings/clients/<int:client_id>/", settings_clients.client_detail, name="settings_client"),
    path("settings/clients/<int:client_id>/contacts/", settings_clients.contact_add, name="settings_contact_add"),
    path(
        "settings/clients/<int:client_id>/contacts/<int:contact_id>/",
        settings_clients.contact_edit,
        name="settings_contact",
    ),
    path(
        "settings/clients/<int:client_id>/contacts/<int:contact_id>/delete/",
        settings_clients.contact_remove,
        name="settings_contact_delete",
    ),
    path("settings/users/", settings_users.users, name="settings_users"),
    path("settings/users/invite/", settings_users.user_invite_view, name="settings_user_invite"),
    path("settings/users/two-factor/", settings_users.two_factor_policy_view, name="settings_two_factor_policy"),
    path("settings/users/<int:user_id>/access/", settings_users.user_access_view, name="settings_user_access"),
    re_path(
        r"^settings/users/(?P<user_id>[0-9]+)/(?P<change>deactivate|reactivate|invite|reset-two-factor)/$",
        settings_users.user_state_view,
        name="settings_user_state",
    ),
    path("settings/delegates/", settings_delegates.delegates, name="settings_delegates"),
    path("settings/delegates/add/", settings_delegates.delegate_add, name="settings_delegate_add"),
    path(
        "settings/delegates/<int:delegate_id>/remove/",
        settings_delegates.delegate_remove,
        name="settings_delegate_remove",
    ),
]
