"""Drive the whole web flow over plain HTTP, as a browser without JavaScript would.

Used by integration tests (and fit for benchmarks): each step is one method,
so a test can stop anywhere, or tamper with what goes back to the bank.
"""

import html
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What the demo customer types into the loan form, and their card and PIN.
TYPED = {"desired_date": "20301001", "amount_man_yen": "3000", "term_years": "35"}
HOLDER, PIN = "山田 花子", "1234"


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match is not None, "the page has no CSRF token"
    return match.group(1)


def field_value(page: str, name: str) -> str | None:
    """The value attribute of the input named ``name``, if any."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


@dataclass
class WebFlow:
    bank: str
    portal: str
    http: requests.Session = field(default_factory=requests.Session)

    def sign_in(self, email: str, password: str) -> None:
        login = self.http.get(f"{self.bank}/accounts/login/")
        answer = self.http.post(
            f"{self.bank}/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_of(login.text),
                "login": email,
                "password": password,
            },
            headers={"Referer": f"{self.bank}/accounts/login/"},
        )
        assert answer.url.rstrip("/") == self.bank, answer.url

    def start(self, **typed: str) -> requests.Response:
        """Type into the form and press 「マイナポータルから所得情報を取得する」."""
        form = self.http.get(f"{self.bank}/loans/apply/")
        return self.http.post(
            f"{self.bank}/loans/apply/",
            data={
                "csrfmiddlewaretoken": csrf_of(form.text),
                "fetch_income": "1",
                **typed,
            },
            headers={"Referer": f"{self.bank}/loans/apply/"},
        )

    def consent(self, consent_page: requests.Response) -> requests.Response:
        assert consent_page.url.startswith(self.portal), consent_page.url
        return self.http.post(
            f"{self.portal}/oauth/consent",
            data={"csrfmiddlewaretoken": csrf_of(consent_page.text), "agree": "on"},
            headers={"Referer": consent_page.url},
        )

    def cancel_consent(self, consent_page: requests.Response) -> requests.Response:
        return self.http.post(
            f"{self.portal}/oauth/consent",
            data={"csrfmiddlewaretoken": csrf_of(consent_page.text), "cancel": "1"},
            headers={"Referer": consent_page.url},
        )

    def card_id(self, identity_page: str, holder: str) -> str:
        match = re.search(
            rf'value="(\d+)"[^>]*>\s*<label for="card-\d+">{re.escape(holder)}<',
            identity_page,
        )
        assert match is not None, f"no card for {holder}"
        return match.group(1)

    def identify(
        self, identity_page: requests.Response, holder: str, pin: str, *, follow: bool
    ) -> requests.Response:
        """Choose the card and enter the PIN; ``follow=False`` stops at the redirect."""
        return self.http.post(
            f"{self.portal}/oauth/identity",
            data={
                "csrfmiddlewaretoken": csrf_of(identity_page.text),
                "card": self.card_id(identity_page.text, holder),
                "pin": pin,
            },
            headers={"Referer": identity_page.url},
            allow_redirects=follow,
        )

    def authorize(self, *, follow: bool = True) -> requests.Response:
        """The whole journey as the demo customer: the form, consent, card and PIN.

        ``follow=False`` stops at the portal's redirect back to the bank.
        """
        identity = self.consent(self.start(**TYPED))
        return self.identify(identity, HOLDER, PIN, follow=follow)

    def wait_until_filled(
        self, status_url: str, timeout: float = 30
    ) -> requests.Response:
        """Reload the status page as its refresh would, until it sends us back."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.http.get(status_url)
            if "/loans/apply/" in answer.url:
                return answer
            time.sleep(0.5)
        raise AssertionError("the retrieval did not complete in time")


def callback_params(redirect: requests.Response) -> dict[str, str]:
    """The query of the portal's redirect back to the bank."""
    assert redirect.status_code == 303, redirect.status_code
    query = parse_qs(urlsplit(redirect.headers["Location"]).query)
    return {name: values[0] for name, values in query.items()}
