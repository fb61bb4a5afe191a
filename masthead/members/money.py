"""Money is an integer count of the currency's minor unit plus an ISO 4217 code."""

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}
# Currencies without a minor unit; the rest have two decimal places here.
ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX"}


def format_money(minor: int, currency: str) -> str:
    currency = currency.upper()
    if currency in ZERO_DECIMAL:
        amount = f"{minor:,}"
    else:
        amount = f"{minor // 100:,}.{minor % 100:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"
