"""The web screens."""

from __future__ import annotations

from datetime import date

from django.urls import path, register_converter

from margin.web.views import approvals, auth, board, gantt, home, invoices, projects, week


class IsoDateConverter:
    """`2026-03-02` in a URL ↔ a `date`; anything that is not a real date does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

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
    path("board/", board.my_board, name="board"),
    path("board/tasks/<int:task_id>/move/", board.board_move, name="board_move"),
    path("board/columns/<int:column_id>/", board.board_column_edit, name="board_column"),
    path("projects/<int:project_id>/invoice/", projects.invoice_draft, name="project_invoice_draft"),
    path("week/", week.week, name="week"),
    path("week/cell/", week.week_cell, name="week_cell"),
    path("week/<isodate:day>/", week.week, name="week_on"),
    path("week/<isodate:day>/submit/", week.week_submit, name="week_submit"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/approve/", approvals.approve, name="approvals_approve"),
    path("approvals/reject/", approvals.reject, name="approvals_reject"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/run/", invoices.invoice_run, name="invoice_run"),
    path("invoices/runs/<int:run_id>/", invoices.invoice_run_status, name="invoice_run_status"),
    path("invoices/<int:invoice_id>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/issue/", invoices.invoice_issue_view, name="invoice_issue"),
    path("invoices/<int:invoice_id>/discard/", invoices.invoice_discard_view, name="invoice_discard"),
    path("invoices/<int:invoice_id>/print/", invoices.invoice_print, name="invoice_print"),
]
