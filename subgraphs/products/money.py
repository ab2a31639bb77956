"""Prices: integer minor units with an ISO 4217 currency code, never floats.

The code list holds the active ISO 4217 currencies (funds and precious metals excluded), with
their number of minor units, so ``1999 EUR`` is 19.99 € and ``1999 JPY`` is ¥1999.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.errors import BadUserInput

MAX_AMOUNT = 2**31 - 1  # GraphQL Int is 32-bit

_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD "
    "CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP "
    "GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL "
    "MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN "
    "QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY "
    "TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
)

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
    **dict.fromkeys(_FOUR_DECIMALS.split(), 4),
}


@dataclass(frozen=True)
class Price:
    amount: int
    currency: str


def validate_currency(code: str, *, field: str = "price.currency") -> str:
    """The upper-case ISO 4217 code, or :class:`BadUserInput` naming the field."""
    normalized = code.strip().upper()
    if normalized not in MINOR_UNITS:
        raise BadUserInput(f"{code!r} is not an ISO 4217 currency code (for example EUR, USD, GBP, JPY)", field=field)
    return normalized


def validate_price(amount: int, currency: str, *, field: str = "price") -> Price:
    if amount < 0:
        raise BadUserInput("a price cannot be negative", field=f"{field}.amount")
    if amount > MAX_AMOUNT:
        raise BadUserInput(f"a price is at most {MAX_AMOUNT} minor units", field=f"{field}.amount")
    return Price(amount=amount, currency=validate_currency(currency, field=f"{field}.currency"))
