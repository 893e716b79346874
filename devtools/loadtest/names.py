"""The names Locust reports each request under, shared by the scenario and the command that
reads its figures (the command never imports Locust, which patches the process for gevent)."""

# Every request the scenario makes is named one of these, each name one method, so that Locust's
# rows (one per name and method) and the command's report (one per name) agree.
SIGN_IN_PAGE = "sign-in page"
SIGN_IN = "sign in"
TWO_FACTOR = "two-factor code"
DATAVIEW = "dataview"
DATAVIEW_FILTERED = "dataview filtered"
DATAVIEW_NEXT = "dataview next page"
PROFILE = "profile"
PHOTO = "photo"
THUMBNAIL = "thumbnail"
REPORT_FORM = "incident form"
REPORT_SEND = "incident send"
REPORT_RESEND = "incident resend"
REVIEW_LIST = "incidents to review"
REVIEW_INCIDENT = "incident"
REVIEW_ACCEPT = "incident accept"
HOME = "home"
REQUEST_NAMES = (
    SIGN_IN_PAGE,
    SIGN_IN,
    TWO_FACTOR,
    DATAVIEW,
    DATAVIEW_FILTERED,
    DATAVIEW_NEXT,
    PROFILE,
    PHOTO,
    THUMBNAIL,
    REPORT_FORM,
    REPORT_SEND,
    REPORT_RESEND,
    REVIEW_LIST,
    REVIEW_INCIDENT,
    REVIEW_ACCEPT,
    HOME,
)
DATAVIEW_REQUESTS = (DATAVIEW, DATAVIEW_FILTERED, DATAVIEW_NEXT)
# The failure messages the command counts as the server's fault rather than the scenario's.
SERVER_ERROR = "server error"
