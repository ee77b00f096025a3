"""StreamField blocks shared by lessons and stories.

Each block carries an icon, a template, a description and a preview value so that editors
see what a block is for in the block picker before they add it (the bakerydemo pattern).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtailmedia.blocks import AudioChooserBlock, VideoChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]

# A site path ("/practice/…") or a full http(s) address: quizzes live on this site.
link_validator = RegexValidator(
    r"^(/[^\s]*|https?://[^\s]+)$", _("请填写以 / 开头的站内地址或 http(s) 网址。")
)


def _first_image():
    from wagtail.images import get_image_model

    return get_image_model().objects.order_by("id").first()


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    alt_text = blocks.CharBlock(
        label=_("替代文字"),
        max_length=200,
        help_text=_("为读屏用户描述图片内容；纯装饰图片可留空。"),
        required=False,
    )
    caption = blocks.CharBlock(label=_("图注"), required=False, max_length=200)
    attribution = blocks.CharBlock(label=_("来源/作者"), required=False, max_length=120)

    class Meta:
        icon = "image"
        template = "courses/blocks/captioned_image.html"
        label = _("带图注的图片")
        description = _("一张图片，附替代文字、图注和来源。")
        preview_value = {
            "caption": "胡库村胡则史迹馆（示意图）",
            "attribution": "清廉学堂",
        }

    def get_preview_value(self):
        # The chooser needs a real image: preview with the library's first one.
        return self.normalize({**self.meta.preview_value, "image": _first_image()})


class VideoBlock(blocks.StructBlock):
    video = VideoChooserBlock(label=_("视频"))
    title = blocks.CharBlock(label=_("标题"), max_length=120)
    transcript = blocks.TextBlock(
        label=_("文字稿"),
        help_text=_("视频的完整文字稿，供听障用户和不便播放声音时阅读。"),
    )

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"
        label = _("视频")
        description = _("一段视频（媒体库），附完整文字稿。")
        preview_value = {"title": "微课视频", "transcript": "视频文字稿……"}


class AudioBlock(blocks.StructBlock):
    audio = AudioChooserBlock(label=_("音频"))
    title = blocks.CharBlock(label=_("标题"), max_length=120)
    transcript = blocks.TextBlock(
        label=_("文字稿"),
        help_text=_("音频的完整文字稿，供听障用户和不便播放声音时阅读。"),
    )

    class Meta:
        icon = "media"
        template = "courses/blocks/audio.html"
        label = _("音频")
        description = _("一段音频（如朗读），附完整文字稿。")
        preview_value = {"title": "课文朗读", "transcript": "朗读文字稿……"}


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引文"))
    attribution = blocks.CharBlock(
        label=_("出处/说话人"), required=False, max_length=120
    )

    class Meta:
        icon = "openquote"
        template = "courses/blocks/quote.html"
        label = _("引文")
        description = _("一段引文，注明出处。")
        preview_value = {"text": "为官一任，造福一方。", "attribution": "据王芳回忆"}


class PreceptItemBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("家训条目"), max_length=200)
    explanation = blocks.TextBlock(label=_("释义"), required=False)


class PreceptListBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), max_length=80, default="家训")
    items = blocks.ListBlock(PreceptItemBlock(), label=_("条目"))

    class Meta:
        icon = "list-ol"
        template = "courses/blocks/precepts.html"
        label = _("家训条目")
        description = _("一组家规家训，每条可附释义。")
        preview_value = {
            "heading": "家规",
            "items": [
                {"text": "不向别人要一针一线", "explanation": "不占别人的便宜。"},
                {"text": "作息有定时", "explanation": ""},
            ],
        }


class KeyPointsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), max_length=80, default="要点")
    points = blocks.ListBlock(blocks.CharBlock(max_length=200), label=_("要点"))

    class Meta:
        icon = "tick"
        template = "courses/blocks/key_points.html"
        label = _("要点")
        description = _("本课的几条要点，适合放在结尾复习。")
        preview_value = {"heading": "要点", "points": ["要点一", "要点二"]}


class ReflectionBlock(blocks.StructBlock):
    question = blocks.TextBlock(label=_("思考题"))
    hint = blocks.TextBlock(label=_("提示"), required=False)

    class Meta:
        icon = "help"
        template = "courses/blocks/reflection.html"
        label = _("思考题")
        description = _("一个留给学员思考的问题，可附提示。")
        preview_value = {
            "question": "如果是你，会怎样做？",
            "hint": "想一想身边的例子。",
        }


class RelatedQuizBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("练习名称"), max_length=120)
    link = blocks.CharBlock(
        label=_("地址"),
        max_length=300,
        validators=[link_validator],
        help_text=_("练习的站内地址，如 /practice/…"),
    )
    description = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "link"
        template = "courses/blocks/related_quiz.html"
        label = _("相关练习")
        description = _("指向一个情景练习，学完即练。")
        preview_value = {
            "title": "情景练习",
            "link": "/practice/",
            "description": "学完做一做",
        }


class BaseStreamBlock(blocks.StreamBlock):
    """Blocks available in every lesson and story body."""

    rich_text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        label=_("正文"),
        icon="pilcrow",
        template="courses/blocks/rich_text.html",
        description=_("段落、小标题、列表和链接。"),
        preview_value="<p>胡则，字子正，婺州永康人。</p>",
    )
    image = CaptionedImageBlock()
    video = VideoBlock()
    audio = AudioBlock()
    quote = QuoteBlock()
    precepts = PreceptListBlock()
    key_points = KeyPointsBlock()
    reflection = ReflectionBlock()
    quiz_link = RelatedQuizBlock()


class SourceBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("文献或网页名称"), max_length=200)
    publisher = blocks.CharBlock(label=_("出版者/网站"), required=False, max_length=120)
    url = blocks.URLBlock(label=_("网址"), required=False)
    note = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/source.html"
        label = _("资料来源")
        description = _("一条资料来源：书名或网页、出版者、网址。")
        preview_value = {"title": "《宋史·胡则传》", "publisher": "中华书局"}


class SourcesStreamBlock(blocks.StreamBlock):
    source = SourceBlock()
