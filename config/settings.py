"""Django settings, all from environment variables (see README "Configuration").

Importing them starts nothing, connects to nothing and writes nothing: unset DATABASE_URL and
REDIS_URL name the embedded servers under var/, which the entry points start (bcrp/embedded.py).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
import jinja2
from celery.schedules import crontab
from csp.constants import NONE, SELF

from bcrp import embedded
from bcrp.env import env_bool, env_int, env_list, env_str, s3_storage_from_env

# Lets admin.ModelAdmin[Model], forms.ModelForm[Model] etc. be written at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = embedded.VAR_DIR

DEBUG = env_bool("DJANGO_DEBUG", False)
# Production passes DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE); a development machine gets a
# random key kept under var/ so sessions survive restarts (kept there by the entry points).
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or embedded.local_secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Links in e-mails. Unset, they point at this machine on the port `make run` serves (PORT).
SITE_URL = env_str("SITE_URL") or f"http://127.0.0.1:{env_int('PORT', 8000)}"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "bcrp",
    "partnerships",
    "offenders",
    "sharing",
    "incidents",
    "bulletins",
    "photos",
    # Demo data, seeding, `make run` and `make bench`: a production image leaves them out.
    *(["devtools"] if env_bool("BCRP_DEVTOOLS", True) else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so every page, download and redirect gets them; static files do not.
    "csp.middleware.CSPMiddleware",
    "bcrp.headers.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bcrp.two_factor.TwoFactorRequiredMiddleware",
    # Before any view or CSRF check reads a form (and after sign-in, which error pages show):
    # a body that did not arrive whole is refused with a 400.
    "bcrp.request_body.WholeBodyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a sign-in that has run out says why on the sign-in page.
    "bcrp.session_limits.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.partnerships",
                "config.context_processors.critical_bulletins",
            ],
            "libraries": {"frame": "config.frame"},
        },
    },
    {
        # For the few fragments drawn hundreds of times a minute (the Dataview's rows): Jinja2
        # compiles a template to Python, several times faster than Django's engine at fifty
        # rows. Only templates under templates/jinja2/, asked for by this engine's name.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"undefined": jinja2.StrictUndefined},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or embedded.database_url(),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
# Two test runs on one server (say, two checkouts) each name their own test database.
if env_str("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL") or embedded.redis_url()

# The API's request counts live in Redis, shared by every web node (redis-py names a unix
# socket unix://, kombu redis+socket://).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://", 1),
        "KEY_PREFIX": "api",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    },
    # django-ratelimit's counters (a notice's public page): shared by every web node.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://", 1),
        "KEY_PREFIX": "ratelimit",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    },
}
RATELIMIT_USE_CACHE = "ratelimit"

AUTH_USER_MODEL = "bcrp.User"
# Django's database sessions, read by a prepared query.
SESSION_ENGINE = "bcrp.sessions"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    # Django's, reading the person behind a session by a prepared query (bcrp.sessions).
    "bcrp.sessions.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed sign-ins (django-axes): an account is locked for a while from the address the
# failures came from, not everywhere, so a guesser cannot lock a shop worker out of every till;
# other accounts behind the same shop's address still sign in.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "bcrp.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "bcrp.actors.client_ip"
# How many proxies in front of gunicorn append to X-Forwarded-For (0: trust only REMOTE_ADDR).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bcrp.lockout.locked_out"
AXES_VERBOSE = False
# Who must give a code from an authenticator app after their password (bcrp/two_factor.py):
# partnership roles, and "operator" for platform operators. `make run` turns it off for the demo.
TWO_FACTOR_ROLES = env_list("TWO_FACTOR_ROLES", "admin,police,operator")
# The roles a person holds today (bcrp/roles.py), for the second factor and the session limits.
USER_ROLES_FUNCTION = "partnerships.selectors.roles_of_user"
# How long a member's sign-in may last as their partnerships set it, within MEMBER_SESSION_MAX_AGE.
MEMBER_SESSION_HOURS_FUNCTION = "partnerships.selectors.member_session_hours_of_user"
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "BCRP")
# A reset link works once, for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; tenant users never get model-wide permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Photos, exports and evidence packs (bcrp/crypto.py): ciphertext only, served only by our
    # views. On the local disk under MEDIA_ROOT unless S3_ENDPOINT_URL names object storage.
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
S3_STORAGE = s3_storage_from_env()
if S3_STORAGE:
    STORAGES["private"] = S3_STORAGE

# Forms: refuse oversized bodies with a 400 instead of reading them into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

SESSION_COOKIE_HTTPONLY = True
# How long a sign-in lasts (bcrp/session_limits.py): at most so long after signing in, and
# ended after so long without a request. Members often share a till, so theirs ends sooner when
# left alone; administrators, police liaison officers and platform operators work at their own
# desks. Both kinds sign in again each working day.
MEMBER_SESSION_MAX_AGE = timedelta(hours=env_int("MEMBER_SESSION_HOURS", 12))
MEMBER_SESSION_IDLE = timedelta(minutes=env_int("MEMBER_IDLE_MINUTES", 30))
ADMIN_SESSION_MAX_AGE = timedelta(hours=env_int("ADMIN_SESSION_HOURS", 12))
ADMIN_SESSION_IDLE = timedelta(minutes=env_int("ADMIN_IDLE_MINUTES", 120))
# The cookie goes when the browser closes; the stored session never outlives the longest limit.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(max(MEMBER_SESSION_MAX_AGE, ADMIN_SESSION_MAX_AGE).total_seconds())
# Scripts and styles only from our own static files: no inline code, no eval, nothing from
# elsewhere. data: images are the sign-in QR code and Pico's built-in icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # The member's app: its service worker and manifest come from the site itself.
        "worker-src": [SELF],
        "manifest-src": [SELF],
    }
}
# Browser features pages may use: the camera for incident photos, nothing else.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "midi=()",
        "display-capture=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
    ]
)
# Served over HTTPS (production): secure cookies, plain HTTP redirected, HSTS. /healthz stays
# reachable over plain HTTP for the load balancer's probe.
HTTPS = env_bool("DJANGO_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
# Whether every subdomain is HTTPS-only too is the operator's call, not ours.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets the header itself and strips any a client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BCRP platform <no-reply@localhost>")

# Images are encrypted at rest with Fernet keys: the first encrypts, all decrypt (rotation).
# A development machine gets one key kept under var/ (by the entry points).
IMAGE_ENCRYPTION_KEYS = env_list("IMAGE_ENCRYPTION_KEYS") or [embedded.local_image_key()]
IMAGE_MAX_UPLOAD_BYTES = 15 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 4096
IMAGE_THUMBNAIL_SIDE = 320

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

# Celery: Redis broker; work is enqueued on commit and acknowledged only when done.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "bcrp")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "beat-heartbeat": {"task": "bcrp.tasks.beat_heartbeat", "schedule": 60.0},
    "images-sweep": {"task": "offenders.tasks.images_sweep", "schedule": 5 * 60.0},
    "incident-photos-sweep": {
        "task": "incidents.tasks.incident_photos_sweep",
        "schedule": 2 * 60.0,
    },
    "sharing-drift-check": {
        "task": "sharing.tasks.sharing_drift_check",
        "schedule": crontab(hour=2, minute=30),
    },
    "notices-lapse": {
        "task": "offenders.tasks.notices_lapse",
        "schedule": crontab(hour=0, minute=5),
    },
    "offenders-retention": {
        "task": "offenders.tasks.retention_sweep",
        "schedule": crontab(hour=1, minute=15),
    },
    "subject-exports-sweep": {
        "task": "offenders.tasks.subject_exports_sweep",
        "schedule": 15 * 60.0,
    },
    "sharing-birthdays": {
        "task": "sharing.tasks.sharing_birthdays",
        "schedule": crontab(hour=0, minute=15),
    },
    "bulletin-digest-weekly": {
        "task": "bulletins.tasks.bulletin_digest_weekly",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "evidence-packs-sweep": {
        "task": "incidents.tasks.evidence_packs_sweep",
        "schedule": 15 * 60.0,
    },
}

# Requests each API token (or signed-in person) may make, counted across every web node.
API_RATE = env_str("API_RATE", "600/minute")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnerships.api.authentication.ApiTokenAuthentication",
        "partnerships.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "bcrp.api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["bcrp.api.throttling.ApiRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bcrp.api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "BCRP platform API",
    "DESCRIPTION": (
        "Read and write a Business Crime Reduction Partnership's records as one person in one "
        "partnership, under the same rules as the pages. Authenticate with a personal token "
        "(`Authorization: Bearer bcrp_...`) made on the API tokens page; errors are RFC 9457 "
        "problem details."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags and operation ids from the resource, not the shared /api/v1/p/{slug}/ prefix.
    "SCHEMA_PATH_PREFIX": r"/api/v1/p/\{slug\}",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NoticeKindEnum": "offenders.models.NoticeKind",
        "NoticeStatusEnum": "offenders.models.NoticeStatus",
        "PartnerStateEnum": "sharing.api.serializers.PARTNER_STATE_CHOICES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bcrp.api.schema.problems_and_links",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; its lockouts are in the audit trail.
    "loggers": {"pgserver": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
