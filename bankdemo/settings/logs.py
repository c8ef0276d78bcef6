"""A logging filter that keeps query strings out of every log line.

Query strings carry authorization codes, states and request URIs (RFC 6749
§4.1.2); the request line of an access log would otherwise record them.
"""

import logging
import re

QUERY = re.compile(r"\?[^\s\"']*")


def _without_query(value: object) -> object:
    return QUERY.sub("?[query removed]", value) if isinstance(value, str) else value


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _without_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True
