"""Settings shared by every environment. Values that differ per deployment come from the
environment (see README: Environment variables)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------
DJANGO_APPS = [
    # daphne first: its runserver serves ASGI (HTTP and WebSocket) in development.
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "units.wagtail_users.WagtailUsersConfig",  # Wagtail's users app, scoped screens
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtailmedia",
    "modelcluster",
    "taggit",
    "django_filters",
    "channels",
    "import_export",
    "axes",
    "django_tasks",
    "django_tasks_db",
]
LOCAL_APPS = [
    "tabular",
    "units",
    "home",
    "courses",
    "quizzes",
    "points",
    "surveys",
    "ops",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.SitePolicyMiddleware",
    # WhiteNoise, with a year of caching for hashed names (config.static).
    "config.static.StaticFilesMiddleware",
    # A database that is down answers 503 "服务暂时不可用" instead of 500.
    "config.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "home.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Stored lesson pages for anonymous readers, before Wagtail routes (courses.cache);
    # after CsrfViewMiddleware, which sets the cookie of the token a stored page gets.
    "courses.cache.LessonCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: it turns a login that django-axes refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Data: DATABASE_URL selects PostgreSQL in production; a SQLite file by default.
# ---------------------------------------------------------------------------
_database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # Seconds a thread keeps its connection. HTTP runs in a fixed set of threads per
        # process (config/http.py), so kept connections are bounded by them. SQLite keeps
        # its own by default: a new one reads the whole schema (2 ms a request).
        # PostgreSQL reuses connections through its pool instead (database_pool below).
        conn_max_age=int(
            os.environ.get(
                "DATABASE_CONN_MAX_AGE",
                "600" if _database_url.startswith("sqlite") else "0",
            )
        ),
        # A persistent connection broken by a database restart is replaced before the
        # next request uses it, instead of failing that request.
        conn_health_checks=True,
    )
}


def database_pool(database: dict, max_size: int) -> None:
    """A pool of PostgreSQL connections per worker process (psycopg-pool, Django's
    built-in support), at most `max_size` connections; 0 leaves it off.

    Under ASGI each request's and each live socket's database work runs in a thread of
    its own, so without a pool every call opens a connection (a backend forked by
    PostgreSQL: a third of a live contest's database time went there) and persistent
    connections pile up instead of being reused. The pool hands a returned connection
    to the next thread and never holds more than `max_size`."""
    if database["ENGINE"] != "django.db.backends.postgresql" or max_size <= 0:
        return
    # Django refuses a pool beside persistent connections: the pool is the reuse.
    database["CONN_MAX_AGE"] = 0
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, max_size),
        "max_size": max_size,
        # A thread waits this long for a connection (all in use, or the database
        # down) before its request fails with the 503 page, rather than queueing
        # without end.
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }


# Threads per process that run HTTP requests (config/http.py): more requests than this
# in one process wait their turn. Keep it below DATABASE_POOL_MAX_SIZE on PostgreSQL, so
# live sockets' database calls find a connection too.
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "8"))

# Off by default (tests, `make run` on SQLite); production turns it on (production.py).
database_pool(DATABASES["default"], int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0")))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (scorecards) run while a writer (an import) holds the lock.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL;",
            "transaction_mode": "IMMEDIATE",
            # The background worker writes a large unit import in one transaction (a
            # few seconds for 100,000 units); other writers wait that long, not 5 s.
            "timeout": 30,
        }
    )

# REDIS_URL, when set, carries the channel layer and the cache so several app servers
# share live updates, rate limits and cached pages. Without it everything stays in process.
# A Redis outage degrades instead of failing (config.outages, docs/deploy.md "When Redis
# is down"): pages render, answers are stored, budgets count per process, live updates
# pause; after a failure Redis is left alone for REDIS_RETRY_SECONDS, then tried again.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "qlxt")
REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "5"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.outages.DegradingRedisChannelLayer",
            "CONFIG": {
                # channels-redis waits for messages with a blocking BZPOPMIN of up to
                # 5 s, and redis-py 8 gives up reading a socket after 5 s by default, so
                # every idle WebSocket died. The read timeout must outlast the block;
                # a finite one still surfaces a Redis server that stopped answering.
                # Connecting is quick or never: an unreachable host fails in a second.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 1,
                    }
                ],
                "prefix": f"{CACHE_KEY_PREFIX}:asgi",
                "retry_seconds": REDIS_RETRY_SECONDS,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "config.outages.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                # Cache calls sit inside page requests: a Redis that stopped answering
                # costs the request that finds out half a second, not redis-py's 5 s.
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "retry_seconds": REDIS_RETRY_SECONDS,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions (logins, the invitation code being answered) live in the database, never in
# the cache: they must hold across workers and through a Redis outage.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "units.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:me"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Activation codes for imported people: one use, this many days.
ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "14"))

# ---------------------------------------------------------------------------
# Login throttling: django-axes counts failed logins per username and address together,
# so guessing one account's password is stopped while the rest of an office behind the
# same address keeps logging in. The counts live in the database (they hold across
# workers, and when Redis is down). `manage.py axes_reset` lifts every lockout
# (docs/deploy.md). Activation codes count against the same limit (units.views.accounts).
# ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "units.views.accounts.locked_out"
# Successful logins are not logged (no table of who came from where); failures are kept
# only until their cool-off ends. Codes and new passwords never reach the failure record.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password1", "password2", "code"]
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# ---------------------------------------------------------------------------
# Tasks: Wagtail's own bookkeeping (search and reference index) keeps running at once,
# inside the request. Work too long for a request (unit imports over
# UNIT_IMPORT_BACKGROUND_ROWS rows) goes to the "background" backend: rows in the
# database, run by `manage.py db_worker --backend background` (`make run` starts it;
# docs/deploy.md has its systemd unit).
# ---------------------------------------------------------------------------
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
UNIT_IMPORT_BACKGROUND_ROWS = int(
    os.environ.get("UNIT_IMPORT_BACKGROUND_ROWS", "20000")
)

# ---------------------------------------------------------------------------
# Language and time: Chinese first, English available through the switcher.
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Wagtail's zh_Hans catalogues miss some admin strings ("Search all pages…", the site
# summary's counts); locale/zh_Hans adds those, and this form a label Wagtail leaves
# untranslatable.
WAGTAILADMIN_USER_LOGIN_FORM = "home.forms.AdminLoginForm"

# ---------------------------------------------------------------------------
# Static and media: everything is served by the site itself (no CDNs; intranets).
# ---------------------------------------------------------------------------
STATICFILES_DIRS = [SITE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "courses.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Spreadsheets larger than this are refused before parsing (imports of units, people,
# questions, responses).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# Story photos awaiting moderation: outside MEDIA_ROOT, shown to editors by a view only
# (courses.storage); approval moves them to MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private-media")
)
# Where an uploaded spreadsheet waits between preview and confirm: private, never served.
IMPORT_UPLOAD_ROOT = Path(
    os.environ.get("IMPORT_UPLOAD_ROOT", BASE_DIR / "var" / "import-uploads")
)

# ---------------------------------------------------------------------------
# Content-Security-Policy (django-csp; config/csp.py chooses the policy by path).
# The public site and respondent pages run our static JavaScript only: no inline
# scripts, no event-handler attributes, no eval; data reaches scripts through
# json_script or data- attributes. Styles come from static CSS only.
# ---------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        # The same-origin WebSocket (ws:/wss:) is added per request by config.csp.
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail 8's editor writes inline <script> blocks (InlinePanel, date widgets) and style
# attributes without nonces, so the admin needs 'unsafe-inline' for both; it needs no
# eval. Image previews before upload are blob: URLs and its icons data: URLs. The live
# preview shows pages in a same-origin iframe: frame-ancestors 'self'.
CSP_ADMIN_PREFIX = "/admin/"
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "frame-ancestors": ["'self'"],
    }
}

# ---------------------------------------------------------------------------
# Wagtail
# ---------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "清廉学堂"
# The public address people reach: unit links, QR codes and posters are built from it,
# never from the request, so a file made on the server matches what the page shows.
SITE_BASE_URL = os.environ.get("SITE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILMEDIA = {"MEDIA_MODEL": "wagtailmedia.Media"}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

# ---------------------------------------------------------------------------
# Logging: to stderr, collected by the process manager.
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Background-task bookkeeping (search index, reference index) is noise at INFO.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        # Failed logins and lockouts are warnings; each successful login is not news.
        "axes": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
