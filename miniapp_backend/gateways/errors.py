"""Gateway failures: unavailable (try again later) or rejected (our request is wrong)."""


class GatewayError(Exception):
    pass


class GatewayUnavailable(GatewayError):
    """Connection refused, timeout, 5xx or an answer that is not the agreed JSON."""


class GatewayRejected(GatewayError):
    """A 4xx answer."""
