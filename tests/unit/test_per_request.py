"""Values the simulator reads once per request, and forgets when they change."""

from django.http import HttpRequest, HttpResponse

from mynaportal.simulator import per_request


class Reads:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def test_outside_a_request_every_call_reads_anew() -> None:
    reads = Reads()

    values = [per_request.remembered("clock", reads) for _ in range(3)]

    assert values == [1, 2, 3]


def test_inside_a_request_the_first_read_is_kept_until_forgotten() -> None:
    reads = Reads()
    seen: list[int] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(per_request.remembered("clock", reads))
        seen.append(per_request.remembered("clock", reads))
        per_request.forget("clock")
        seen.append(per_request.remembered("clock", reads))
        return HttpResponse()

    per_request.Memo(view)(HttpRequest())

    assert seen == [1, 1, 2]


def test_each_request_starts_afresh() -> None:
    reads = Reads()
    middleware = per_request.Memo(
        lambda request: HttpResponse(str(per_request.remembered("clock", reads)))
    )

    first = middleware(HttpRequest())
    second = middleware(HttpRequest())

    assert isinstance(first, HttpResponse) and isinstance(second, HttpResponse)
    assert (first.content, second.content) == (b"1", b"2")
    assert per_request.remembered("clock", reads) == 3
