"""Money is an integer count of the currency's minor unit plus an ISO 4217 code,
written for the reader's language by ``masthead.locales.money`` (Babel)."""

from masthead.locales import ZERO_DECIMAL, money

format_money = money

__all__ = ["ZERO_DECIMAL", "format_money"]
