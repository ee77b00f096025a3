"""Page types: course index → course → micro-lesson, and story index → story."""

from __future__ import annotations

import math

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from ..blocks import BaseStreamBlock, PreceptListBlock, SourcesStreamBlock
from ..search import segment_for_index

# Share of the estimated reading time a learner must spend before "我已学完" counts,
# and the floor below which no lesson goes: quick readers are not punished, clicking
# straight through is.
MIN_READING_SHARE = 0.5
MIN_READING_FLOOR_SECONDS = 20


class SegmentedSearchMixin:
    """Adds a jieba-segmented copy of the page's text to the search index.

    The database backends split text on spaces and punctuation, so an unsegmented Chinese
    sentence is one long token; the segmented copy makes words and character pairs
    findable (see courses/search.py).
    """

    def searchable_text(self) -> list[str]:
        return [self.title, getattr(self, "summary", "")]

    def search_terms(self) -> str:
        # Title tokens appear twice so that pages named for a term rank above pages that
        # only mention it (the database backends weigh by term frequency).
        title = segment_for_index(self.title)
        return " ".join(
            [
                title,
                title,
                segment_for_index(" ".join(t for t in self.searchable_text() if t)),
            ]
        )


class CourseIndexPage(Page):
    """The 学习 landing page at /learn/: lists the courses."""

    intro = RichTextField(_("简介"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("课程目录")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import course_cards

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = course_cards(index=self, user=request.user)
        return context


class CoursePage(SegmentedSearchMixin, Page):
    """A course: an ordered set of micro-lessons (its children, in tree order)."""

    summary = models.TextField(_("摘要"), max_length=300)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("封面图"),
    )
    intro = RichTextField(
        _("课程介绍"), blank=True, features=["bold", "italic", "ul", "link"]
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("intro"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("search_terms"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("课程")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = course_outline(course=self, user=request.user)
        return context


class LessonPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class LessonPage(SegmentedSearchMixin, Page):
    """A micro-lesson (微课堂): a few minutes of text, pictures, media and a question."""

    summary = models.TextField(_("摘要"), max_length=300)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("封面图"),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("预计学习分钟数"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("学员至少需用其中一半时间（不少于 20 秒）才能标记学完。"),
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"))
    target_unit_kinds = ParentalManyToManyField(
        "units.UnitKind",
        blank=True,
        related_name="+",
        verbose_name=_("面向单元类型"),
        help_text=_("推荐给这些类型单元的学员；留空表示面向所有人。"),
    )
    tags = ClusterTaggableManager(
        through=LessonPageTag, blank=True, verbose_name=_("标签")
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("target_unit_kinds"),
                FieldPanel("tags"),
            ],
            heading=_("学习设置"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_terms"),
    ]

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("微课堂")

    @property
    def minimum_seconds(self) -> int:
        return max(
            MIN_READING_FLOOR_SECONDS,
            math.ceil(self.estimated_minutes * 60 * MIN_READING_SHARE),
        )

    def searchable_text(self) -> list[str]:
        return [
            self.title,
            self.summary,
            *self.body.stream_block.get_searchable_content(self.body),
            *(tag.name for tag in self.tags.all()),
        ]

    def serve(self, request, *args, **kwargs):
        if self.records_progress(request) and request.method == "GET":
            from ..services import lesson_open

            # Opening the lesson starts the server-side reading clock; the record it
            # returns is the one the page shows (get_context need not read it again).
            request.lesson_progress = lesson_open(user=request.user, lesson=self)
        response = super().serve(request, *args, **kwargs)
        if getattr(request, "is_preview", False):
            return response
        from ..cache import CACHEABLE_ATTRIBUTE, lesson_path_seen

        # Later GETs of this path may be answered in the event loop (courses.asgi) and
        # take their routing facts from the lesson cache (courses.cache.LessonRoute).
        lesson_path_seen(request.path)
        if not request.user.is_authenticated:
            # The anonymous version holds nothing personal: courses.cache may keep it.
            setattr(response, CACHEABLE_ATTRIBUTE, True)
        return response

    def get_view_restrictions(self):
        """As Wagtail's (restrictions on this page and its ancestors, aliases resolved),
        with which ones apply taken from the lesson's routing facts when the lesson cache
        has them (courses.cache.LessonRoute): no query when there are none. Each is
        still checked against the request by Wagtail's privacy hook."""
        from wagtail.models import PageViewRestriction

        from ..cache import current_route

        route = current_route.get()
        if route is None or self.pk is None:
            return super().get_view_restrictions()
        ids = route.restrictions_for(self.pk)
        if ids is None:
            ids = tuple(super().get_view_restrictions().values_list("pk", flat=True))
            route.found(self.pk, ids)
        return PageViewRestriction.objects.filter(pk__in=ids)

    def records_progress(self, request) -> bool:
        """Learners' views count; an editor's preview (possibly of an unsaved page) not."""
        return (
            request.user.is_authenticated
            and self.pk is not None
            and not getattr(request, "is_preview", False)
        )

    def get_context(self, request, *args, **kwargs):
        from ..selectors import lesson_context

        context = super().get_context(request, *args, **kwargs)
        recording = self.records_progress(request)
        context.update(
            lesson_context(
                lesson=self,
                user=request.user if recording else None,
                progress=getattr(request, "lesson_progress", None),
            )
        )
        context["records_progress"] = recording
        if self.pk is not None and not getattr(request, "is_preview", False):
            from ..cache import LessonFragments

            # A preview may show a draft: only the live revision's parts are kept.
            context["lesson_fragments"] = LessonFragments(lesson=self)
        return context


class StoryIndexPage(Page):
    """Local integrity stories (家风故事) and the call for submissions."""

    intro = RichTextField(_("简介"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.StoryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("故事目录")

    def get_context(self, request, *args, **kwargs):
        from ..selectors import story_cards

        context = super().get_context(request, *args, **kwargs)
        context["stories"] = story_cards(index=self)
        return context


class StoryPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.StoryPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class StoryPage(SegmentedSearchMixin, Page):
    """A local integrity story: who, when, where, what they taught, and where it is from."""

    figure = models.CharField(_("人物"), max_length=80, blank=True)
    era = models.CharField(_("年代"), max_length=80, blank=True)
    place = models.CharField(_("地点"), max_length=80, blank=True)
    summary = models.TextField(_("摘要"), max_length=300)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("封面图"),
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("正文"))
    precepts = StreamField(
        [("precepts", PreceptListBlock())],
        blank=True,
        verbose_name=_("家训"),
    )
    sources = StreamField(SourcesStreamBlock(), blank=True, verbose_name=_("资料来源"))
    tags = ClusterTaggableManager(
        through=StoryPageTag, blank=True, verbose_name=_("标签")
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("figure"), FieldPanel("era"), FieldPanel("place")],
            heading=_("人物、年代、地点"),
        ),
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("body"),
        FieldPanel("precepts"),
        FieldPanel("sources"),
    ]
    promote_panels = Page.promote_panels + [FieldPanel("tags")]
    search_fields = Page.search_fields + [
        index.SearchField("figure"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_terms"),
    ]

    parent_page_types = ["courses.StoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("家风故事")

    def searchable_text(self) -> list[str]:
        return [
            self.title,
            self.figure,
            self.era,
            self.place,
            self.summary,
            *self.body.stream_block.get_searchable_content(self.body),
            *self.precepts.stream_block.get_searchable_content(self.precepts),
            *(tag.name for tag in self.tags.all()),
        ]
