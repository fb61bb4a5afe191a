"""The scheduled roll-up: raw sightings become per-day counts, and raw rows
older than the attribution window are deleted.

Run by ``manage.py roll_up_insights`` (every ten minutes with the other
chores). A day is rolled up once it has ended; until then, and for any day
the chore has not reached, Insights counts it from the raw rows, so the
numbers never wait for this. Rolling a day up twice gives the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from masthead.insights import conversions, record
from masthead.insights.figures import READER_FIELDS, article_sections, count_sightings
from masthead.insights.models import Alias, ArticleDay, Conversion, DayFigures, RolledDay, Sighting
from masthead.offers import results

SETTLE = timedelta(minutes=5)


def roll_up(now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    record.flush()
    written = conversions.sync()
    reattributed = reattribute(now)
    # A day is rolled up once it has been over for a few minutes: every
    # process has written its counts of it by then (they write every 10 s).
    # (The last such day is the one before the day it was SETTLE ago.)
    last = timezone.localdate(now - SETTLE) - timedelta(1)
    pending = (
        Sighting.objects.filter(day__lte=last)
        .exclude(day__in=RolledDay.objects.values("day"))
        .values_list("day", flat=True)
        .distinct()
    )
    days = sorted(set(pending))
    sections = article_sections()
    for day in days:
        roll_day(day, sections, now)
    oldest = today - timedelta(days=settings.MASTHEAD_INSIGHTS_RAW_DAYS)
    purged, _ = Sighting.objects.filter(
        day__lt=oldest, day__in=RolledDay.objects.values("day")
    ).delete()
    Alias.objects.filter(at__lt=now - timedelta(days=settings.MASTHEAD_INSIGHTS_RAW_DAYS)).delete()
    return {
        "conversions": written,
        "reattributed": reattributed,
        "rolled_days": len(days),
        "purged": purged,
    }


@transaction.atomic
def roll_day(day: date, sections: dict[int, tuple[int, str]], now) -> None:
    raw = Sighting.objects.filter(day=day)
    DayFigures.objects.filter(day=day).delete()
    ArticleDay.objects.filter(day=day).delete()
    by_section = defaultdict(list)
    for article_id in raw.values_list("article_id", flat=True).distinct():
        by_section[sections.get(article_id, (0, ""))[0]].append(article_id)
    figures = []
    for section_id, articles in [(0, None), *by_section.items()]:
        if section_id == 0 and articles is not None:
            continue  # articles whose section is gone count in the site's total only
        scope = raw if articles is None else raw.filter(article_id__in=articles)
        row = next(iter(count_sightings(scope.values("day"))), None)
        if row:
            figures.append(
                DayFigures(
                    day=day,
                    section_id=section_id,
                    **{name: row[name] or 0 for name in READER_FIELDS},
                )
            )
    DayFigures.objects.bulk_create(figures)
    walls = Q(kind__in=Sighting.WALLS)
    ArticleDay.objects.bulk_create(
        ArticleDay(
            day=day,
            article_id=row["article_id"],
            section_id=sections.get(row["article_id"], (0, ""))[0],
            readers=row["r"],
            walled_readers=row["w"],
            wall_impressions=row["i"] or 0,
        )
        for row in raw.values("article_id").annotate(
            r=Count("reader", distinct=True),
            w=Count("reader", distinct=True, filter=walls),
            i=Sum("times", filter=walls),
        )
    )
    RolledDay.objects.update_or_create(day=day, defaults={"rolled_at": now})


def reattribute(now) -> int:
    """Conversions of the last day written before the wall that led to them
    reached the database (another process's counts wait up to
    ``MASTHEAD_INSIGHTS_FLUSH_SECONDS``): attributed again — to their wall,
    and to the offer experiment variant whose exposure was still on its way."""
    count = 0
    recent = Conversion.objects.filter(at__gte=now - timedelta(days=1), user__isnull=False)
    for conversion in recent.filter(article_id=None):
        found = conversions.attribute(conversion.user_id, conversion.at)
        if found:
            conversion.article_id, conversion.section_id, conversion.wall_at = found
            conversion.save(update_fields=["article_id", "section_id", "wall_at"])
            count += 1
    for conversion in recent.filter(kind__in=results.KINDS):
        count += results.attribute(
            conversion, conversion.user_id, conversions.readers_of(conversion.user_id)
        )
    return count
