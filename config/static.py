"""Static files served by the application itself (no CDN: intranets), through WhiteNoise."""

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise with one year, not its ten, for files whose name carries a content hash
    (the manifest storage of production). A year is the longest lifetime HTTP caches are
    asked to honour (RFC 9111 §5.3 and RFC 2616 before it); a new release changes the
    hash, so browsers never need to revalidate those files."""

    FOREVER = 365 * 24 * 60 * 60
