"""The bank's pages: top, the pre-screening form, and its result."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from loans import services
from loans.forms import LoanApplicationForm, draft_from
from loans.models import DemoMail, LoanApplication, LoanDraft
from mynaportal import catalog
from mynaportal.client import api as mynaportal


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Fig. 2.3-1: the top page offers 住宅ローン申請."""
    return render(request, "loans/home.html")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """Fig. 2.3-2 and 2.3-6: the form, filled from Mynaportal when retrieved."""
    draft = _draft(request)
    if request.method == "POST" and "fetch_income" in request.POST:
        return _start_income_retrieval(request, draft)

    status = _retrieval(request, draft)
    retrieved = _retrieved_income(status)
    if request.method == "POST":
        form = LoanApplicationForm(request.POST)
        if form.is_valid():
            application = _save_application(request, form.cleaned_data, retrieved)
            draft.delete()
            return redirect("loans:result", application_id=application.pk)
    else:
        form = LoanApplicationForm(initial=_initial(draft, retrieved))

    pending = status if status is not None and status.in_progress else None
    incomplete = status is not None and status.completed and retrieved is None
    context = {
        "form": form,
        "retrieved": retrieved,
        "pending": pending,
        "incomplete": incomplete,
    }
    return render(request, "loans/apply.html", context)


def _draft(request: HttpRequest) -> LoanDraft:
    draft, _ = LoanDraft.objects.get_or_create(applicant_id=request.user.pk)
    return draft


def _start_income_retrieval(request: HttpRequest, draft: LoanDraft) -> HttpResponse:
    draft.typed = draft_from(request.POST)
    draft.save(update_fields=["typed", "updated_at"])
    try:
        retrieval_id, portal_url = mynaportal.start_retrieval(
            request,
            tm_codes=[catalog.LOCAL_TAX_TM_CODE],
            condition=catalog.QueryCondition(catalog.QueryMode.LATEST),
            return_path=reverse("loans:apply"),
        )
    except mynaportal.PortalError:
        messages.error(
            request,
            _(
                "マイナポータルに接続できませんでした。時間をおいて再度お試し"
                "いただくか、年収をご自身で入力してください。"
            ),
        )
        return redirect("loans:apply")

    draft.income_retrieval_id = retrieval_id
    draft.save(update_fields=["income_retrieval_id", "updated_at"])
    return redirect(portal_url)


def _retrieval(
    request: HttpRequest, draft: LoanDraft
) -> mynaportal.RetrievalStatus | None:
    if draft.income_retrieval_id is None:
        return None
    return mynaportal.retrieval_status(request.user, draft.income_retrieval_id)


def _retrieved_income(
    status: mynaportal.RetrievalStatus | None,
) -> dict[str, Any] | None:
    if status is None or status.data is None:
        return None

    income = services.income_from_local_tax(status.data)
    if income is None:
        return None
    return {
        "income": income,
        "fetched_at": status.completed_at,
        "retrieval_id": status.id,
    }


def _initial(draft: LoanDraft, retrieved: dict[str, Any] | None) -> dict[str, Any]:
    initial: dict[str, Any] = dict(draft.typed)
    if retrieved is not None:
        initial["annual_income_man_yen"] = retrieved["income"].man_yen
    return initial


def _save_application(
    request: HttpRequest, data: dict[str, Any], retrieved: dict[str, Any] | None
) -> LoanApplication:
    if request.user.pk is None:
        raise PermissionDenied
    income = data["annual_income_man_yen"]
    screening = services.screen(data["amount_man_yen"], data["term_years"], income)
    provenance = _provenance(income, retrieved)

    return LoanApplication.objects.create(
        applicant_id=request.user.pk,
        desired_date=data["desired_date"],
        amount_man_yen=data["amount_man_yen"],
        term_years=data["term_years"],
        annual_income_man_yen=income,
        **provenance,
        screening_rate_percent=services.SCREENING_RATE_PERCENT,
        annual_repayment_yen=screening.annual_repayment_yen,
        repayment_ratio_percent=screening.repayment_ratio_percent,
        decision=screening.decision,
    )


def _provenance(income: int, retrieved: dict[str, Any] | None) -> dict[str, Any]:
    """Where the income came from: the portal, unless the customer changed it."""
    if retrieved is None or retrieved["income"].man_yen != income:
        return {"income_source": LoanApplication.IncomeSource.SELF_DECLARED}

    return {
        "income_source": LoanApplication.IncomeSource.MYNAPORTAL,
        "income_taxable_year": retrieved["income"].taxable_year,
        "income_fetched_at": retrieved["fetched_at"],
        "income_retrieval_id": retrieved["retrieval_id"],
    }


@login_required
@never_cache
@require_GET
def result(request: HttpRequest, application_id: str) -> HttpResponse:
    """The pre-screening result, for its applicant only."""
    application = _owned_application(request, application_id)
    context = {
        "application": application,
        "approve_up_to": services.APPROVE_UP_TO_PERCENT,
        "refer_up_to": services.REFER_UP_TO_PERCENT,
    }
    return render(request, "loans/result.html", context)


def _owned_application(request: HttpRequest, application_id: str) -> LoanApplication:
    application = LoanApplication.objects.filter(
        pk=application_id, applicant_id=request.user.pk
    ).first()
    if application is None:
        raise Http404
    return application


@login_required
@never_cache
@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    """The demo's stand-in for the customer's inbox: mail the bank has sent."""
    mails = DemoMail.objects.filter(recipient=getattr(request.user, "email", ""))[:20]
    return render(request, "loans/mailbox.html", {"mails": mails})
