"""The demo home page: replaces Wagtail's welcome page and becomes the site root."""

from wagtail.models import Page, Site

from .models import HomePage

INTRO = (
    "<p>清廉学堂把清廉文化的<b>学习</b>、<b>练习</b>和<b>测评</b>放在同一处："
    "在手机上学微课堂、读胡公和聂耳的家风故事，做情景题，参加满意度与认知度测评；"
    "各清廉单元的参与率和认知度对照目标实时可见。</p>"
)


def load(*, stdout) -> None:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        welcome = (
            Page.objects.filter(depth=2, slug="home")
            .exclude(content_type__model="homepage")
            .first()
        )
        if welcome is not None:
            welcome.slug = "welcome-old"
            welcome.save_revision().publish()
        home = root.add_child(
            instance=HomePage(
                title="清廉学堂",
                slug="home",
                tagline="学清廉文化，树清廉新风",
                intro=INTRO,
            )
        )
        home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="清廉学堂",
            )
        else:
            site.root_page = home
            site.site_name = "清廉学堂"
            site.save()
        if welcome is not None:
            welcome.delete()
        stdout.write("首页：已创建")
    else:
        stdout.write("首页：已存在")
