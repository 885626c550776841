"""ISO 4217 currency codes and their minor-unit exponents, and exact conversion to minor units.

Codes and exponents: ISO 4217 list one (active codes, amendment 176, 2024; SIX Interbank Clearing is the
maintenance agency). Money in Boostloop is an integer count of the currency's minor unit (DESIGN.md),
so 12.34 USD is 1234 and 1234 JPY is 1234 (exponent 0); 1.234 KWD is 1234 (exponent 3).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD "
    "CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD "
    "GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA "
    "MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR "
    "RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
    "TZS UAH USD USN UYU UZS VED VES WST XCD YER ZAR ZMW ZWG"
)

MINOR_UNIT_EXPONENT: dict[str, int] = {
    **{c: 0 for c in _EXPONENT_0.split()},
    **{c: 2 for c in _EXPONENT_2.split()},
    **{c: 3 for c in _EXPONENT_3.split()},
    **{c: 4 for c in _EXPONENT_4.split()},
}


def is_iso4217(code: str) -> bool:
    return code in MINOR_UNIT_EXPONENT


def to_minor_units(amount: Decimal, currency: str) -> tuple[int, bool]:
    """``amount`` (in currency units) as an integer of minor units, exactly.

    Returns ``(minor_units, rounded)``: when the amount carries more decimals than the currency has
    (Google Ads costs derived from micros, e.g. 1.234567 USD), it is rounded half-to-even (banker's
    rounding: no upward bias when many rows are summed) and ``rounded`` is True.
    """
    scaled = amount.scaleb(MINOR_UNIT_EXPONENT[currency])
    whole = scaled.to_integral_value(rounding=ROUND_HALF_EVEN)
    return int(whole), whole != scaled
