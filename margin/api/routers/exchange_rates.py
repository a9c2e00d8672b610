"""Exchange rates: list, enter by hand, delete, look up, convert, import the ECB reference rates."""

from dataclasses import asdict
from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from margin.api.pagination import Pages
from margin.api.schemas.common import Currency, Id, responses
from margin.api.schemas.exchange_rates import ConvertOut, EcbImportOut, ExchangeRateIn, ExchangeRateOut, RateLookupOut
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.rates.actions import exchange_rate_delete, exchange_rate_set, exchange_rates_import_ecb
from margin.rates.ecb import MAX_FILE_BYTES
from margin.rates.models import ExchangeRate, RateSource
from margin.rates.queries import exchange_rate_find, exchange_rate_get, exchange_rates_visible
from margin.rates.rules import convert_minor

router = Router(tags=["exchange rates"])


class RateFilters(Schema):
    from_currency: Currency | None = None
    to_currency: Currency | None = None
    since: date | None = None
    until: date | None = None
    source: RateSource | None = None


class LookupQuery(Schema):
    from_currency: Currency
    to_currency: Currency
    day: date


class ConvertQuery(LookupQuery):
    amount_minor: int


@router.get("", response=responses(list[ExchangeRateOut]), summary="List exchange rates (newest first)")
@paginate(Pages)
def rate_list(request: HttpRequest, filters: Query[RateFilters]) -> QuerySet[ExchangeRate]:
    return exchange_rates_visible(
        viewer_of(request),
        from_ccy=filters.from_currency,
        to_ccy=filters.to_currency,
        since=filters.since,
        until=filters.until,
        source=filters.source,
    )


@router.post("", response=responses(ExchangeRateOut), summary="Enter or correct the rate of a pair on a day")
def rate_set(request: HttpRequest, payload: ExchangeRateIn) -> ExchangeRate:
    return exchange_rate_set(
        viewer=viewer_of(request),
        from_currency=payload.from_currency,
        to_currency=payload.to_currency,
        day=payload.day,
        rate=payload.rate,
    )


@router.get("/lookup", response=responses(RateLookupOut), summary="The rate that applies to a pair on a day")
def rate_lookup(request: HttpRequest, query: Query[LookupQuery]) -> RateLookupOut:
    found = exchange_rate_find(viewer_of(request).organisation_id, query.from_currency, query.to_currency, query.day)
    return RateLookupOut(
        from_currency=found.from_currency,
        to_currency=found.to_currency,
        day=query.day,
        rate=found.rate,
        rate_day=found.day,
        path=found.path,
    )


@router.get("/convert", response=responses(ConvertOut), summary="Convert an amount with the rate of a day")
def rate_convert(request: HttpRequest, query: Query[ConvertQuery]) -> ConvertOut:
    if abs(query.amount_minor) > 10**15:
        raise Invalid("The amount is out of range.", field="amount_minor")
    found = exchange_rate_find(viewer_of(request).organisation_id, query.from_currency, query.to_currency, query.day)
    return ConvertOut(
        from_currency=found.from_currency,
        to_currency=found.to_currency,
        day=query.day,
        rate=found.rate,
        rate_day=found.day,
        path=found.path,
        amount_minor=query.amount_minor,
        converted_minor=convert_minor(query.amount_minor, found.from_currency, found.to_currency, found.rate),
    )


@router.post(
    "/ecb-import",
    response=responses(EcbImportOut),
    summary="Import an ECB reference-rate file (eurofxref XML, CSV or zip), all or nothing",
)
def rate_import_ecb(request: HttpRequest, file: File[UploadedFile]) -> EcbImportOut:
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise Invalid("The file is too large for an ECB rate file.", field="file")
    result = exchange_rates_import_ecb(viewer=viewer_of(request), data=file.read(MAX_FILE_BYTES + 1))
    return EcbImportOut(**{**asdict(result), "skipped_currencies": list(result.skipped_currencies)})


@router.get("/{rate_id}", response=responses(ExchangeRateOut), summary="Get an exchange rate")
def rate_detail(request: HttpRequest, rate_id: Id) -> ExchangeRate:
    return exchange_rate_get(viewer_of(request), rate_id)


@router.delete("/{rate_id}", response=responses(None, 204), summary="Delete an exchange rate")
def rate_delete(request: HttpRequest, rate_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    exchange_rate_delete(viewer=viewer, rate=exchange_rate_get(viewer, rate_id))
    return Status(204, None)
