"""The newsroom's content: the page tree an editor works in.

    HomePage
    ├── SectionPage (World, Defense, …)
    │   └── ArticlePage
    └── AuthorIndexPage
        └── AuthorPage (a person or a team byline)

Page types say where they may live (``parent_page_types``/``subpage_types``),
so the tree's shape is enforced by the models, not by editor discipline.
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from masthead import inputs
from masthead.account_fields import AccountPanel, AuthorPageForm
from masthead.discussion.models import Comment
from masthead.members.models import Plan
from masthead.newsroom.blocks import ArticleBodyBlock
from masthead.paywall import gate

# The element that wraps the part of an article beyond its teaser.
PAYWALLED_SELECTOR = ".paywalled-content"


class Access(models.TextChoices):
    """Who may read an article's full text. The paywall decides; this only records intent."""

    FREE = "free", "Free: everyone reads it in full"
    METERED = "metered", "Metered: counts against the reader's free allowance"
    SUBSCRIBERS = "subscribers", "Subscribers only"


# --- Images ---------------------------------------------------------------


def imported_from_field():
    """Where an imported item came from ("wordpress:https://old.example/:123"):
    a second import of the same file updates the item instead of adding it
    again (``masthead.importing``). Empty for everything made here."""
    # Indexed on its own too: SQLite will not use the partial unique index
    # below for ``imported_from = %s`` (it cannot prove the value is not "").
    return models.CharField(max_length=255, blank=True, default="", editable=False, db_index=True)


def one_per_origin(model: str):
    return models.UniqueConstraint(
        fields=["imported_from"],
        condition=~Q(imported_from=""),
        name=f"one_{model}_per_imported_item",
    )


class CreditedImage(AbstractImage):
    """An image that knows whom to thank: "Image courtesy of <credit>"."""

    credit = models.CharField(
        max_length=255,
        blank=True,
        help_text='Shown under the image as "Image courtesy of …".',
    )
    credit_url = models.URLField(blank=True, help_text="Optional link for the credit.")
    imported_from = imported_from_field()

    admin_form_fields = Image.admin_form_fields + ("credit", "credit_url")

    class Meta(AbstractImage.Meta):
        verbose_name = "image"
        verbose_name_plural = "images"
        permissions = [("choose_image", "Can choose image")]
        constraints = [one_per_origin("image")]


class CreditedRendition(AbstractRendition):
    image = models.ForeignKey(CreditedImage, related_name="renditions", on_delete=models.CASCADE)

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


# --- Snippets and settings --------------------------------------------------


@register_snippet
class Source(index.Indexed, models.Model):
    """An outlet whose piece we republish: "Read more at <Outlet>"."""

    name = models.CharField(max_length=120, unique=True)
    homepage_url = models.URLField()

    panels = [FieldPanel("name"), FieldPanel("homepage_url")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@register_setting(icon="site")
class PublicationSettings(BaseSiteSetting):
    """The publication's name and voice, editable per site in Settings → Publication."""

    name = models.CharField(max_length=120, default="Masthead")
    tagline = models.CharField(max_length=200, blank=True)
    twitter_handle = models.CharField(
        max_length=40, blank=True, help_text="Without the @, for Twitter/X card attribution."
    )
    subscribe_slogan = models.CharField(
        max_length=120, default=gettext_noop("Join for insider access")
    )
    subscribe_pitch = models.TextField(
        default=gettext_noop(
            "Subscribe and support our writing staff: independent reporting, no ads."
        ),
    )
    subscribe_label = models.CharField(max_length=60, default=gettext_noop("Subscribe"))
    subscribe_url = models.CharField(
        max_length=255,
        blank=True,
        validators=[inputs.validate_link],
        help_text="Where the Subscribe button leads. Leave empty for Masthead's own plans page.",
    )
    trial_label = models.CharField(max_length=60, default=gettext_noop("Try 14 days free"))
    trial_url = models.CharField(
        max_length=255,
        blank=True,
        validators=[inputs.validate_link],
        help_text="Where the free-trial button leads. Leave empty for Masthead's own plans page "
        "(the button shows when a plan has a free trial).",
    )
    login_label = models.CharField(
        max_length=80, default=gettext_noop("Already a subscriber? Log in")
    )
    robots_txt = models.TextField(
        "robots.txt",
        blank=True,
        default="User-agent: *\nDisallow: /admin/\nDisallow: /account/\nDisallow: /feed/private/",
        help_text="Served at /robots.txt; the sitemap lines are added for you.",
    )

    @property
    def subscribe_href(self) -> str:
        if inputs.is_link(self.subscribe_url):
            return self.subscribe_url
        return reverse("members:subscribe")

    @property
    def trial_href(self) -> str:
        if inputs.is_link(self.trial_url):
            return self.trial_url
        if Plan.objects.filter(active=True, trial_days__gt=0).exists():
            return reverse("members:subscribe") + "?trial=1"
        return ""

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("tagline"), FieldPanel("twitter_handle")],
            heading="Publication",
        ),
        MultiFieldPanel(
            [
                FieldPanel("subscribe_slogan"),
                FieldPanel("subscribe_pitch"),
                FieldRowPanel([FieldPanel("subscribe_label"), FieldPanel("subscribe_url")]),
                FieldRowPanel([FieldPanel("trial_label"), FieldPanel("trial_url")]),
                FieldPanel("login_label"),
            ],
            heading="Subscribe call to action",
        ),
        FieldPanel("robots_txt"),
    ]

    class Meta:
        verbose_name = "publication"


# --- Listings ---------------------------------------------------------------


def paginate(request, items, per_page=None):
    """One page of ``items`` from ``?page=``.

    A page number is ASCII digits without leading zeros, up to the last page
    (``masthead.inputs.page_number``); anything else is a 404, so "²", "01" or
    page 9999 are not copies of a page for a cache to keep.
    """
    number = inputs.page_number(request.GET.get("page"))
    if number is None:
        raise Http404("There is no such page.")
    paginator = Paginator(items, per_page or settings.MASTHEAD_ARTICLES_PER_PAGE)
    try:
        return paginator.page(number)
    except EmptyPage:
        raise Http404("There is no such page.") from None


def live_articles():
    return ArticlePage.objects.live().public().order_by("-date", "-pk")


def prepare_cards(articles):
    """Load what an article card shows (image, bylines, section) in a fixed number of queries."""
    articles = list(
        articles.select_related("lead_image").prefetch_related(
            "lead_image__renditions", "article_authors__author"
        )
    )
    parent_paths = {article.path[: -Page.steplen] for article in articles}
    sections = {
        section.path: section for section in SectionPage.objects.filter(path__in=parent_paths)
    }
    counts = dict(
        Comment.objects.filter(
            article_id__in=[article.pk for article in articles],
            status=Comment.VISIBLE,
            deleted_at__isnull=True,
        )
        .values_list("article_id")
        .annotate(count=Count("pk"))
        .values_list("article_id", "count")
    )
    for article in articles:
        article.__dict__["section"] = sections.get(article.path[: -Page.steplen])
        article.comment_count = counts.get(article.pk, 0)
    return articles


def prepare_cards_for_page(page_obj):
    """Cards for one page of a paginated article queryset."""
    ids = [article.pk for article in page_obj.object_list]
    by_id = {
        article.pk: article for article in prepare_cards(ArticlePage.objects.filter(pk__in=ids))
    }
    return [by_id[pk] for pk in ids]


# --- Pages ------------------------------------------------------------------


class SharedFront:
    """A page that is the same for every reader without a session: kept whole
    after it is rendered for one, and served to the others from cache
    (``rendering.serve_page`` keeps it, ``serve_cached_front`` serves it)."""

    # Whether ``?page=N`` means something here. Where it does not, it is a 404
    # rather than another copy of the page for the cache to keep.
    paginated = True

    def serve(self, request, *args, **kwargs):
        if not self.paginated and "page" in request.GET:
            raise Http404("This page has no numbered pages.")
        return super().serve(request, *args, **kwargs)


class HomePage(SharedFront, Page):
    lead_story = models.ForeignKey(
        "newsroom.ArticlePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Leave empty to lead with the newest article.",
    )
    latest_per_section = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(12)]
    )

    content_panels = Page.content_panels + [
        FieldPanel("lead_story"),
        FieldPanel("latest_per_section"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["newsroom.SectionPage", "newsroom.AuthorIndexPage"]
    max_count = 1
    paginated = False

    def get_lead_story(self):
        if self.lead_story_id:
            lead = live_articles().filter(pk=self.lead_story_id).first()
            if lead is not None and lead.locale_id != self.locale_id:
                # A translated front page copied its original's choice: lead
                # with that story's translation, if an editor made one.
                lead = lead.get_translation_or_none(self.locale_id)
                lead = lead if lead is not None and lead.live else None
            if lead:
                return lead
        # The newest article of this front page's own tree (its language's).
        return live_articles().descendant_of(self).first()

    def section_blocks(self, exclude=None):
        """Each live section with its newest articles, for the front page."""
        result = []
        for section in SectionPage.objects.live().public().child_of(self):
            articles = section.articles()
            if exclude is not None:
                articles = articles.exclude(pk=exclude.pk)
            cards = prepare_cards(articles[: self.latest_per_section])
            if cards:
                result.append((section, cards))
        return result

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lead = self.get_lead_story()
        context["lead_story"] = (
            prepare_cards(live_articles().filter(pk=lead.pk))[0] if lead else None
        )
        context["sections"] = self.section_blocks(exclude=lead)
        return context


class SectionPage(SharedFront, Page):
    """A desk of the newsroom (World, Defense, …): its articles, newest first."""

    intro = models.TextField(blank=True, max_length=500)
    imported_from = imported_from_field()

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.ArticlePage"]
    exclude_fields_in_copy = ["imported_from"]

    class Meta:
        constraints = [one_per_origin("section")]

    def articles(self):
        return ArticlePage.objects.live().public().child_of(self).order_by("-date", "-pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        page_obj = paginate(request, self.articles())
        context["page_obj"] = page_obj
        context["articles"] = prepare_cards_for_page(page_obj)
        return context


class AuthorIndexPage(SharedFront, Page):
    """The staff page: every person and team who writes for the publication."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.AuthorPage"]
    max_count = 1
    paginated = False

    def authors(self):
        return (
            AuthorPage.objects.live()
            .public()
            .child_of(self)
            .select_related("photo")
            .order_by("-is_team", "title")
        )


class AuthorPage(SharedFront, Page):
    """A byline: a person, or a team (e.g. "News Team") whose bio names its editors.

    The page is also the author's archive: "View all posts" leads here.
    """

    role = models.CharField(
        max_length=120, blank=True, help_text="e.g. Senior Defense Correspondent"
    )
    photo = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = RichTextField(blank=True, features=["bold", "italic", "link"])
    is_team = models.BooleanField(
        default=False, help_text="A shared byline such as a news desk, rather than one person."
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_pages",
        help_text="The author's own login, if any: their replies under their articles "
        "carry a Staff badge.",
    )
    imported_from = imported_from_field()

    content_panels = Page.content_panels + [
        FieldPanel("role"),
        FieldPanel("photo"),
        FieldPanel("bio"),
        FieldPanel("is_team"),
        # Labelled with people's names; editors who may not see accounts are
        # offered the newsroom's only (masthead.account_fields).
        AccountPanel("account"),
    ]
    base_form_class = AuthorPageForm
    search_fields = Page.search_fields + [index.SearchField("bio"), index.SearchField("role")]

    parent_page_types = ["newsroom.AuthorIndexPage"]
    subpage_types = []
    exclude_fields_in_copy = ["imported_from"]

    class Meta:
        constraints = [one_per_origin("author")]

    @property
    def name(self):
        return self.title

    def articles(self):
        return live_articles().filter(article_authors__author=self).distinct()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        page_obj = paginate(request, self.articles())
        context["page_obj"] = page_obj
        context["articles"] = prepare_cards_for_page(page_obj)
        return context


class ArticleAuthor(Orderable):
    """One byline on an article; ``sort_order`` keeps them in the editor's order."""

    article = ParentalKey(
        "newsroom.ArticlePage", related_name="article_authors", on_delete=models.CASCADE
    )
    author = models.ForeignKey(
        "newsroom.AuthorPage", related_name="author_articles", on_delete=models.CASCADE
    )

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_byline_per_article")
        ]


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "newsroom.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(Page):
    """A news article. ``title`` is the headline."""

    dek = models.TextField(
        "summary",
        max_length=400,
        help_text="One or two sentences under the headline; also used for link previews.",
    )
    date = models.DateTimeField(
        "first published",
        default=timezone.now,
        help_text="The date readers see. Change it only to correct it.",
    )
    updated = models.DateTimeField(
        null=True,
        blank=True,
        help_text=(
            "Set when the article is materially updated; shown as 'Updated'. "
            "Typo fixes need not touch it."
        ),
    )
    lead_image = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_image_caption = models.CharField(max_length=300, blank=True)
    body = StreamField(ArticleBodyBlock())
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)

    access = models.CharField(max_length=12, choices=Access.choices, default=Access.METERED)
    teaser_blocks = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(50)],
        help_text="How many body blocks a reader who has hit the wall still sees.",
    )

    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="For a syndicated piece: the outlet it first appeared in.",
    )
    original_url = models.URLField(
        blank=True,
        max_length=500,
        help_text="The original article. It becomes the page's canonical URL.",
    )
    comments_closed = models.BooleanField(
        default=False,
        help_text="No new comments or replies; existing ones stay. Comments also close by "
        "themselves after the number of days in Settings → Discussion.",
    )
    imported_from = imported_from_field()
    # What the import last wrote, as a digest of the source item: a later run
    # leaves the page (and an editor's changes to it) alone unless the source
    # changed (``masthead.importing.writer``).
    imported_digest = models.CharField(max_length=64, blank=True, default="", editable=False)

    content_panels = Page.content_panels + [
        FieldPanel("dek"),
        InlinePanel("article_authors", label="Authors", min_num=1),
        FieldRowPanel([FieldPanel("date"), FieldPanel("updated")]),
        MultiFieldPanel(
            [FieldPanel("lead_image"), FieldPanel("lead_image_caption")], heading="Lead image"
        ),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel([FieldPanel("source"), FieldPanel("original_url")], heading="Syndication"),
        MultiFieldPanel(
            [FieldPanel("access"), FieldPanel("teaser_blocks")], heading="Reader access"
        ),
        FieldPanel("comments_closed"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("dek"),
        # The whole text is indexed so subscribers find any passage; what a
        # result shows is cut from readable text only (newsroom/search.py).
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
        index.FilterField("access"),
    ]

    parent_page_types = ["newsroom.SectionPage"]
    subpage_types = []
    exclude_fields_in_copy = ["imported_from", "imported_digest"]

    class Meta:
        indexes = [models.Index(fields=["date"])]
        constraints = [one_per_origin("article")]

    def clean(self):
        super().clean()
        if self.original_url and not self.source_id:
            raise ValidationError(
                {"source": "Choose the outlet this piece comes from, or clear the original URL."}
            )

    @cached_property
    def section(self):
        parent = self.get_parent()
        return parent.specific if parent else None

    def authors(self):
        return [byline.author for byline in self.article_authors.all()]

    @property
    def is_syndicated(self):
        return self.source_id is not None

    @property
    def read_more_url(self):
        if not self.source_id:
            return ""
        return self.original_url or self.source.homepage_url

    def canonical_url(self, request=None):
        """The original for a syndicated piece, so search engines credit its publisher."""
        return self.original_url or self.get_full_url(request)

    def related_articles(self, limit=None):
        """ "More from <Site>": recent articles from the same section or sharing a tag,
        newest first, topped up with other recent articles."""
        limit = limit or settings.MASTHEAD_RELATED_ARTICLES
        tag_ids = list(self.tags.values_list("id", flat=True))
        section_path = self.path[: -Page.steplen]
        related_filter = Q(path__startswith=section_path)
        if tag_ids:
            related_filter |= Q(tagged_items__tag_id__in=tag_ids)
        # Articles in this article's language only (its tree of pages).
        others = live_articles().filter(locale_id=self.locale_id).exclude(pk=self.pk)
        close = list(others.filter(related_filter).distinct()[:limit].values_list("pk", flat=True))
        rest = []
        if len(close) < limit:
            rest = list(
                others.exclude(pk__in=close)[: limit - len(close)].values_list("pk", flat=True)
            )
        ordered = close + rest
        cards = {
            card.pk: card for card in prepare_cards(ArticlePage.objects.filter(pk__in=ordered))
        }
        return [cards[pk] for pk in ordered]

    def structured_data(self, request):
        """schema.org NewsArticle for JSON-LD. Describes the article; never carries its text."""
        authors = [
            {
                "@type": "Organization" if author.is_team else "Person",
                "name": author.name,
                "url": author.get_full_url(request),
            }
            for author in self.authors()
        ]
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.title,
            "description": self.dek,
            "datePublished": self.date.isoformat(),
            "dateModified": (self.updated or self.date).isoformat(),
            "author": authors,
            "mainEntityOfPage": self.canonical_url(request),
            "publisher": {
                "@type": "Organization",
                "name": PublicationSettings.for_request(request).name,
            },
        }
        if self.section:
            data["articleSection"] = self.section.title
        if self.lead_image_id:
            rendition = self.lead_image.get_rendition("fill-1200x675")
            data["image"] = [request.build_absolute_uri(rendition.url)]
        tags = [tag.name for tag in self.tags.all()]
        if tags:
            data["keywords"] = tags
        if self.access != Access.FREE:
            # Google's markup for paywalled content: the part under
            # PAYWALLED_SELECTOR is not free, whoever this response is for.
            data["isAccessibleForFree"] = False
            data["hasPart"] = {
                "@type": "WebPageElement",
                "isAccessibleForFree": False,
                "cssSelector": PAYWALLED_SELECTOR,
            }
        return data

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The template renders what the paywall gate hands it, never
        # ``page.body``: a walled reader's page is built from the teaser alone.
        gated = gate.evaluate(request, self)
        context["article_body"], context["article_body_rest"] = gate.body_for(self, gated.decision)
        context["paywall"] = gated
        context["related_articles"] = self.related_articles()
        context["structured_data"] = self.structured_data(request)
        return context

    def serve(self, request, *args, **kwargs):
        """Previews and revisions in the admin: rendered fresh, never kept.
        Readers' requests are served by ``rendering.render_article`` (through
        the ``on_serve_page`` hook), which keeps the shell of each decision."""
        template = self.get_template(request, *args, **kwargs)
        response = TemplateResponse(request, template, self.get_context(request, *args, **kwargs))
        gate.finish(request, self, response)
        return response


class ContentGeneration(models.Model):
    """A single row whose token changes with every change to published content.

    See ``masthead.newsroom.freshness``: cached pages are keyed by it.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "content generation"

    def __str__(self):
        return self.token


# The publisher's words a reader reads, from the settings, that a site
# offering several languages may write again in each (``Wording``).
WORDED_SETTINGS = {
    "publicationsettings": (
        "tagline",
        "subscribe_slogan",
        "subscribe_pitch",
        "subscribe_label",
        "trial_label",
        "login_label",
    ),
    "paywallsettings": (
        "wall_headline",
        "wall_pitch",
        "offer_line",
        "subscribers_only_headline",
        "register_headline",
        "register_pitch",
        "register_label",
    ),
    "discussionsettings": ("prompt",),
}


def _wording_keys():
    from django.apps import apps

    choices = []
    for model_name, fields in WORDED_SETTINGS.items():
        model = next(m for m in apps.get_models() if m._meta.model_name == model_name)
        for name in fields:
            field = model._meta.get_field(name)
            label = f"{model._meta.verbose_name.capitalize()}: {field.verbose_name}"
            choices.append((f"{model_name}.{name}", label))
    return choices


def _other_languages():
    return [(code, name) for code, name in settings.LANGUAGES[1:]]


class Wording(models.Model):
    """One of the publisher's words (a setting's text: the tagline, the
    wall's headline, a button) written for one of the site's other
    languages. Without one, a reader of that language reads Masthead's
    default in their language while the setting keeps it, else the
    publisher's words as written."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=15, choices=_other_languages)
    key = models.CharField("words", max_length=60, choices=_wording_keys)
    text = models.TextField()

    panels = [FieldPanel("site"), FieldPanel("language"), FieldPanel("key"), FieldPanel("text")]

    class Meta:
        ordering = ["site", "language", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "language", "key"], name="one_wording_per_language"
            )
        ]
        verbose_name = "words in another language"
        verbose_name_plural = "words in other languages"

    def __str__(self):
        return f"{self.get_key_display()} ({self.language})"
