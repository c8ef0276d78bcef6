"""The simulator's pages make few queries, and as many with 1,000 flows as with one
(issue: ≤ 10 on any page).

Counted inside the simulator's own settings and database (``manage.py shell``),
with Django's test client, as tests/unit/test_queries_per_page.py counts the
bank's. The flows are inspector events, the records that grow fastest: every
call to the simulator stores one.
"""

from tests.conftest import Portal

MAX_QUERIES = 10
PAGES = [
    "/",
    "/errors/",
    "/control/",
    "/control/clients/",
    "/control/personas/",
    "/inspector/",
    "/inspector/pagecount0000000/",
    "/operating-status/",
]

COUNT_PAGES = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from mynaportal.simulator.models import TraceEvent

PAGES = {pages!r}
STEPS = ("par", "authorize", "consent", "identity", "token", "request", "result")

def add_flows(first, count):
    TraceEvent.objects.bulk_create(
        TraceEvent(flow_key=f"pagecount{{n:07d}}", step=step, status=200)
        for n in range(first, first + count)
        for step in STEPS
    )

def counted(client, path):
    client.get(path, HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as statements:
        answer = client.get(path, HTTP_HOST="127.0.0.1")
    assert answer.status_code == 200, (path, answer.status_code)
    return len(statements.captured_queries)

client = Client()
try:
    add_flows(0, 1)
    one = {{path: counted(client, path) for path in PAGES}}
    add_flows(1, 999)
    many = {{path: counted(client, path) for path in PAGES}}
finally:
    TraceEvent.objects.filter(flow_key__startswith="pagecount").delete()
print(json.dumps({{"one": one, "many": many}}))
"""


def test_a_simulator_page_makes_few_queries_and_as_many_with_1000_flows(
    portal: Portal,
) -> None:
    counts = portal.shell_json(COUNT_PAGES.format(pages=PAGES))

    assert counts["many"] == counts["one"]
    assert max(counts["one"].values()) <= MAX_QUERIES
