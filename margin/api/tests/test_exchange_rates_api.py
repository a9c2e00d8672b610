"""Exchange rates through the API: enter, list, look up, convert, import the ECB file, delete."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from margin.api.tests.conftest import BASE, error_of, unchanged
from margin.rates.models import ExchangeRate
from tests.firm import Firm

ECB_CSV = b"Date,USD,GBP,\n2026-11-24,1.0523,0.83425,\n2026-11-21,1.0412,0.8301,\n"


def test_enter_list_lookup_convert_delete(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    fin, tom = api_as(firm.finance_user), api_as(firm.member_user)
    made = fin.post(
        "/exchange-rates", {"from_currency": "eur", "to_currency": "usd", "day": "2026-01-02", "rate": "1.25"}
    )
    assert made.status_code == 200, made.content
    body = made.json()
    assert (body["from_currency"], body["to_currency"], body["source"]) == ("EUR", "USD", "manual")
    assert tom.get("/exchange-rates").json()["count"] == 1
    assert tom.get("/exchange-rates", {"to_currency": "GBP"}).json()["count"] == 0

    looked = tom.get("/exchange-rates/lookup", {"from_currency": "USD", "to_currency": "EUR", "day": "2026-01-05"})
    assert looked.status_code == 200, looked.content
    assert looked.json() | {"rate": float(looked.json()["rate"])} == {
        "from_currency": "USD",
        "to_currency": "EUR",
        "day": "2026-01-05",
        "rate": 0.8,
        "rate_day": "2026-01-02",
        "path": "inverse",
    }
    converted = tom.get(
        "/exchange-rates/convert",
        {"from_currency": "USD", "to_currency": "EUR", "day": "2026-01-05", "amount_minor": 12345},
    ).json()
    assert converted["converted_minor"] == 9876  # 123.45 × 0.8 = 98.76

    missing = tom.get("/exchange-rates/lookup", {"from_currency": "USD", "to_currency": "EUR", "day": "2025-12-31"})
    assert "No USD→EUR rate on or before 2025-12-31" in error_of(missing, 422, "no_exchange_rate")["detail"]
    unknown = tom.get("/exchange-rates/lookup", {"from_currency": "XXX", "to_currency": "EUR", "day": "2026-01-05"})
    error_of(unknown, 422)

    with unchanged():
        error_of(
            tom.post(
                "/exchange-rates", {"from_currency": "EUR", "to_currency": "USD", "day": "2026-01-02", "rate": "2"}
            ),
            403,
        )
        error_of(
            fin.post(
                "/exchange-rates", {"from_currency": "EUR", "to_currency": "USD", "day": "2026-01-02", "rate": "0"}
            ),
            422,
        )
        error_of(
            fin.post(
                "/exchange-rates", {"from_currency": "EUR", "to_currency": "ABC", "day": "2026-01-02", "rate": "1"}
            ),
            422,
        )
        outsider = api_as(User.objects.get(pk=firm.other_admin.user_id))
        error_of(outsider.get(f"/exchange-rates/{body['id']}"), 404)
        error_of(outsider.delete(f"/exchange-rates/{body['id']}"), 404)
        error_of(tom.delete(f"/exchange-rates/{body['id']}"), 403)
    assert fin.delete(f"/exchange-rates/{body['id']}").status_code == 204
    assert not ExchangeRate.objects.exists()


def test_ecb_import_by_upload(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    fin = api_as(firm.finance_user)
    url = BASE + "/exchange-rates/ecb-import"
    response = fin.client.post(url, {"file": SimpleUploadedFile("eurofxref-hist.csv", ECB_CSV)})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "format": "csv",
        "days": 2,
        "stored": 4,
        "new": 4,
        "updated": 0,
        "kept_manual": 0,
        "first_day": "2026-11-21",
        "last_day": "2026-11-24",
        "skipped_currencies": [],
    }
    with unchanged():
        bad = fin.client.post(url, {"file": SimpleUploadedFile("x.csv", b"Date,USD\n2026-11-24,abc\n")})
        assert "Line 2, column 2" in error_of(bad, 422)["detail"]
        error_of(api_as(firm.member_user).client.post(url, {"file": SimpleUploadedFile("x.csv", ECB_CSV)}), 403)
