"""The portal's pages (FastAPI). Sign-in, then: the nights, a night's files (only those of the
user's queues), a file's download, and for roles that approve, the corrections waiting in their
queues with the outbox; the findings of the user's queues, each finding's page, and for roles that
act, the work on a finding (assign, comment, explain). Every form carries the session's CSRF token;
every download, refusal, decision and piece of work is audited."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from corrections.approval import approve_corrections, list_corrections, reject_corrections
from portal import files, periods, work
from portal import findings as explorer
from portal import matches as review
from portal.audit import AuditLog
from portal.config import ALL, PortalConfig, User
from portal.security import Session, SessionStore, authenticate
from portal.throttle import Lockout, LoginThrottle
from reports.summary import AgingBuckets
from resources.alerts import post_alert

TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "tieout_session"
VISITOR = "tieout_visitor"  # the sign-in form's nonce, before there is a session
MAX_POST_BYTES = 256 * 1024  # the largest form: a few hundred correction ids
log = logging.getLogger(__name__)
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
OUTBOX_ROWS = 200
AGING = AgingBuckets()


class SignInFirst(Exception):
    """Raised by a page for visitors who are not signed in: its response sends them to sign in."""

    def __init__(self, response: Response):
        self.response = response


def post_refusal(request: Request, allowed_origins: frozenset[str]) -> tuple[int, str, str] | None:
    """Why a POST is refused before it is read, or None: it must name the portal (or a configured
    public address) as its Origin, which every browser sends with a form, and be small."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin not in ({own} | allowed_origins):
        return 403, "origin_refused", "This form was not sent from the portal's own pages."
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return 411, "length_refused", "A form must say how long it is."
    if int(length) > MAX_POST_BYTES:
        return 413, "size_refused", "That form is too large."
    return None


def alert_quietly(text: str) -> None:
    try:
        post_alert(text)
    except Exception as exc:  # the portal keeps serving; the audit log has the lock-out
        log.warning("portal alert not sent: %s", type(exc).__name__)


def create_app(config: PortalConfig, clock: Callable[[], float] = time.time) -> FastAPI:
    app = FastAPI(title="tieout reports", docs_url=None, redoc_url=None, openapi_url=None)
    sessions = SessionStore(config.sessions, config.session_minutes * 60, config.users, clock)
    throttle = LoginThrottle(
        config.login_failures_per_user,
        config.login_failures_per_address,
        config.login_window_minutes * 60,
        config.password_checks_at_once,
        clock,
    )
    audit = AuditLog(config.audit_log)
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))

    @app.middleware("http")
    async def guard(request: Request, call_next):
        """Every POST comes from the portal's own pages (its Origin) and is small; every response
        carries the security headers."""
        if request.method == "POST":
            refusal = post_refusal(request, config.allowed_origins)
            if refusal:
                status, event, message = refusal
                audit.record(None, event, client(request), path=request.url.path[:200])
                response: Response = PlainTextResponse(message, status_code=status)
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def client(request: Request) -> str | None:
        return request.client.host if request.client else None

    def page(session: Session, template: str, status: int = 200, headers: dict | None = None, **values) -> Response:
        messages, session.flash = session.flash, []
        html = templates.get_template(template).render(
            user=session.user, csrf_token=session.csrf_token, messages=messages, **values
        )
        return keep(HTMLResponse(html, status_code=status, headers=headers), session)

    def keep(response: Response, session: Session) -> Response:
        """The session's cookie on the response: the signed-in session's token (its messages saved
        for the next page), or a visitor's nonce for the sign-in form."""
        sessions.save(session)
        response.set_cookie(
            COOKIE if session.user else VISITOR,
            session.token,
            max_age=int(config.session_minutes * 60),
            httponly=True,
            samesite="strict",
            secure=config.secure_cookies,
            path="/",
        )
        return response

    def signed_in(request: Request) -> tuple[Session, User]:
        """The user's session and the user; anyone else is sent to sign in (told so when it expired)."""
        session, expired = sessions.get(request.cookies.get(COOKIE))
        if session and session.user:
            return session, session.user
        if expired:
            audit.record(None, "session_expired", client(request), path=request.url.path)
        raise SignInFirst(RedirectResponse("/login?expired=1" if expired else "/login", status_code=303))

    @app.exception_handler(SignInFirst)
    async def sign_in_first(request: Request, exc: SignInFirst) -> Response:
        return exc.response

    def refused(request: Request, session: Session | None, status: int, event: str, message: str, **detail) -> Response:
        audit.record(session.user.name if session and session.user else None, event, client(request), **detail)
        if session is None:
            return PlainTextResponse(message, status_code=status)
        heading = {403: "Not allowed", 404: "Not found"}.get(status, "Refused")
        return page(session, "refused.html", status=status, heading=heading, error=message)

    def forged(request: Request, session: Session | None, form: str) -> Response:
        return refused(
            request,
            session,
            403,
            "csrf_refused",
            "This form was not issued to your session (or it expired): reload the page and try again.",
            form=form,
        )

    @app.get("/healthz", include_in_schema=False)
    def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/portal.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response((TEMPLATES / "portal.css").read_text(), media_type="text/css")

    @app.get("/")
    def home(request: Request) -> Response:
        return RedirectResponse("/reports", status_code=303)

    @app.get("/login")
    def login_form(request: Request, expired: int = 0) -> Response:
        session, _ = sessions.get(request.cookies.get(COOKIE))
        if session and session.user:
            return RedirectResponse("/reports", status_code=303)
        visitor = sessions.visitor(request.cookies.get(VISITOR))
        return page(visitor, "login.html", error="Your session expired: sign in again." if expired else None)

    @app.post("/login")
    def login(
        request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form("")
    ) -> Response:
        visitor = sessions.visitor(request.cookies.get(VISITOR))
        if not request.cookies.get(VISITOR) or not visitor.csrf_ok(csrf_token):
            return forged(request, visitor, "login")
        name, address = username[:64], client(request) or "unknown"
        admission = throttle.admit(name, address)
        for lockout in admission.lockouts:
            locked_out(lockout)
        if admission.wait:
            audit.record(name, "login_throttled", address)
            minutes = max(1, math.ceil(admission.wait / 60))
            return page(
                visitor,
                "login.html",
                status=429,
                headers={"Retry-After": str(math.ceil(admission.wait))},
                error=f"Too many failed sign-ins: try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            )
        with throttle.password_check() as free:
            user = authenticate(config.users, username, password) if free else None
        if not free:
            throttle.take_back(name, address, admission.at)
            audit.record(name, "login_busy", address)
            return page(
                visitor,
                "login.html",
                status=503,
                headers={"Retry-After": "5"},
                error="The portal is busy: try again in a few seconds.",
            )
        if user is None:
            audit.record(name, "login_failed", address)
            return page(visitor, "login.html", status=401, error="Wrong user name or password.")
        throttle.take_back(name, address, admission.at, signed_in=True)
        signed = sessions.start(user)
        audit.record(user.name, "login", address, role=user.role.name)
        response = keep(RedirectResponse("/reports", status_code=303), signed)
        response.delete_cookie(VISITOR, path="/")
        return response

    def locked_out(lockout: Lockout) -> None:
        """Audit a lock-out's first refusal and alert operations, off the request's path (a slow
        webhook must not hold a worker the flood would like to have)."""
        audit.record(None, "login_lockout", None, locked=lockout.kind, key=lockout.key, attempts=lockout.attempts)
        minutes = f"{lockout.seconds / 60:g} minutes"
        text = (
            f":lock: tieout portal: {lockout.attempts} sign-in attempts for {lockout.kind} {lockout.key!r} "
            f"within {minutes}; further tries are refused for up to {minutes}"
        )
        threading.Thread(target=alert_quietly, args=(text,), daemon=True).start()

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        session, user = signed_in(request)
        if not session.csrf_ok(csrf_token):
            return forged(request, session, "logout")
        sessions.end(session.token)
        audit.record(user.name, "logout", client(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/reports")
    def nights(request: Request) -> Response:
        session, user = signed_in(request)
        listing = [
            (night, len(files.visible(files.read_manifest(directory), user.role.queues)))
            for night, directory in files.nights(config.reports_dir).items()
        ]
        return page(session, "nights.html", nights=listing)

    @app.get("/reports/{night}")
    def night_files(request: Request, night: str) -> Response:
        session, user = signed_in(request)
        directory = files.nights(config.reports_dir).get(night)
        if directory is None:
            return refused(request, session, 404, "night_not_found", "No report for that night.", night=night[:100])
        (current, _), *earlier = files.versions(directory).items()
        return page(
            session,
            "night.html",
            night=night,
            version=current,
            files=files.visible(files.read_manifest(directory), user.role.queues),
            earlier=[(v, files.visible(files.read_manifest(path), user.role.queues)) for v, path in earlier],
        )

    @app.get("/reports/{night}/{name}")
    def download(request: Request, night: str, name: str) -> Response:
        return serve(request, night, name, None)

    @app.get("/reports/{night}/versions/{version}/{name}")
    def download_version(request: Request, night: str, version: int, name: str) -> Response:
        return serve(request, night, name, version)

    def serve(request: Request, night: str, name: str, version: int | None) -> Response:
        """A night's file, of the current version or an earlier one; the audit log names which."""
        session, user = signed_in(request)
        served = files.find(config.reports_dir, night, name, version)
        if served is None:
            return refused(
                request, session, 404, "download_not_found", "No such file.", night=night[:100], file=name[:200]
            )
        if served.entry.queue not in user.role.queues:
            return refused(
                request,
                session,
                403,
                "download_refused",
                f"{served.entry.name} is for the {served.entry.queue} queue, not yours.",
                night=night,
                file=served.entry.name,
                queue=served.entry.queue,
            )
        audit.record(
            user.name,
            "download",
            client(request),
            night=night,
            file=served.entry.name,
            queue=served.entry.queue,
            version=served.version,
            sha256=served.entry.sha256,
        )
        return FileResponse(
            served.path,
            media_type=MEDIA_TYPES.get(served.path.suffix, "application/octet-stream"),
            headers={"Content-Disposition": files.attachment(served.entry.name)},
        )

    @app.get("/findings")
    def findings_explorer(request: Request) -> Response:
        session, user = signed_in(request)
        available, night, everything = explorer.night_findings(
            config.warehouse, request.query_params.get("night", ""), user.role.queues
        )
        if night is None:
            return page(session, "findings.html", night=None, nights=[], shown=[], filters=explorer.Filters())
        filters = explorer.Filters.of(dict(request.query_params))
        shown = explorer.explore(everything, filters, AGING)
        if request.query_params.get("format") == "csv":
            audit.record(user.name, "findings_csv", client(request), night=night.isoformat(), rows=len(shown))
            return Response(
                explorer.as_csv(shown),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": files.attachment(f"findings-{night.isoformat()}.csv")},
            )
        return page(
            session,
            "findings.html",
            night=night,
            nights=available,
            shown=shown,
            totals=explorer.totals(shown),
            filters=filters,
            choices={
                "code": sorted({f["code"] for f in everything}),
                "legal_entity": sorted({f["legal_entity"] for f in everything if f.get("legal_entity")}),
                "severity": ["high", "medium", "low"],
                "age": AGING.labels,
                "assignee": [explorer.NOBODY, *sorted({f["assignee"] for f in everything if f.get("assignee")})],
                "explained": list(explorer.EXPLAINED),
            },
            csv_query=urlencode({**dict(request.query_params), "night": night.isoformat(), "format": "csv"}),
        )

    @app.get("/findings/{finding_id}")
    def finding(request: Request, finding_id: str) -> Response:
        session, user = signed_in(request)
        shown = explorer.finding_page(config.warehouse, finding_id[:100])
        if shown is None:
            return refused(request, session, 404, "finding_not_found", "No such finding.", finding=finding_id[:100])
        if shown["finding"].get("owner_queue") not in user.role.queues:
            return refused(
                request,
                session,
                403,
                "finding_refused",
                f"That finding is in the {shown['finding'].get('owner_queue')} queue, not yours.",
                finding=finding_id[:100],
            )
        queue = shown["finding"].get("owner_queue")
        return page(
            session,
            "finding.html",
            may_work=work.may_work(user, queue),
            assignable=work.assignable(config.users, queue),
            **shown,
        )

    @app.post("/findings/{finding_id}/work")
    def work_on_finding(
        request: Request,
        finding_id: str,
        action: str = Form(""),
        assignee: str = Form(""),
        note: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        """Assign, comment on, explain or withdraw the explanation of a finding of the user's queues."""
        session, user = signed_in(request)
        if not session.csrf_ok(csrf_token):
            return forged(request, session, "finding_work")
        subject = work.subject(config.warehouse, finding_id[:100])
        if subject is None:
            return refused(request, session, 404, "finding_not_found", "No such finding.", finding=finding_id[:100])
        if action not in work.ACTIONS or not work.may_work(user, subject.owner_queue):
            return refused(
                request,
                session,
                403,
                "finding_work_refused",
                f"Your role does not work findings of the {subject.owner_queue} queue.",
                finding=subject.finding_id,
                requested=action[:20],
            )
        problem = work.problem(action, subject, note, assignee, config.users)
        if problem:
            session.flash.append(problem)
        else:
            done = work.record(config.warehouse, subject.finding_id, user.name, action, assignee, note)
            audit.record(
                user.name,
                f"finding_{done['action']}",
                client(request),
                finding=subject.finding_id,
                **{k: done[k] for k in ("assignee", "note") if done[k] is not None},
            )
            session.flash.append(work.told(action, assignee))
        return keep(RedirectResponse(f"/findings/{subject.finding_id}", status_code=303), session)

    @app.get("/matches")
    def match_review(request: Request) -> Response:
        """The night's suggested customer pairs of the user's queues, to confirm or reject."""
        session, user = signed_in(request)
        night, found = review.suggestions(config.warehouse)
        shown = review.visible(found, user)
        return page(
            session,
            "matches.html",
            night=night,
            pairs=shown,
            may_decide={s["pair_key"]: review.may_decide(user, s["owner_queue"]) for s in shown},
            decided=review.decided(config.warehouse) if night and review.sees_decisions(user) else [],
        )

    @app.post("/matches")
    def decide_match(
        request: Request,
        pair: str = Form(""),
        decision: str = Form(""),
        note: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        """Confirm or reject a suggested pair of a queue the user acts on."""
        session, user = signed_in(request)
        if not session.csrf_ok(csrf_token):
            return forged(request, session, "match_review")
        asked = review.Pair.parse(pair[:300])
        suggestion = review.suggested(config.warehouse, asked) if asked else None
        if asked is None or suggestion is None:
            return refused(
                request, session, 404, "match_not_found", "That pair is not suggested (or is decided).", pair=pair[:300]
            )
        if decision not in review.DECISIONS or not review.may_decide(user, suggestion["owner_queue"]):
            return refused(
                request,
                session,
                403,
                "match_review_refused",
                f"Your role does not decide customer matches of the {suggestion['owner_queue']} queue.",
                pair=suggestion["pair_key"],
                requested=decision[:20],
            )
        if decision == "reject" and not note.strip():
            session.flash.append("A rejection needs a reason.")
        else:
            done = review.record(config.warehouse, asked, user.name, decision, suggestion["legal_entity"], note)
            audit.record(
                user.name,
                f"match_{done['decision']}",
                client(request),
                pair=suggestion["pair_key"],
                kind=suggestion["kind"],
                finding=suggestion["finding_id"],
                **({"note": done["note"]} if done["note"] else {}),
            )
            session.flash.append(review.told(decision, asked))
        return keep(RedirectResponse("/matches", status_code=303), session)

    @app.get("/periods")
    def period_signoff(request: Request) -> Response:
        """Each legal entity's months in a night's tie-out: signed off, can be, blocked, or not over."""
        session, user = signed_in(request)
        if not periods.may_see(user):
            return refused(request, session, 403, "periods_refused", "Your role does not see the tie-out statement.")
        nights, night, shown = periods.periods(config.warehouse, request.query_params.get("night", ""))
        return page(session, "periods.html", nights=nights, night=night, periods=shown, may_sign=periods.may_sign(user))

    @app.post("/periods")
    def sign_off(
        request: Request,
        night: str = Form(""),
        legal_entity: str = Form(""),
        month: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        """Finance certifies a legal entity's month from the night's tie-out; it is locked from then on."""
        session, user = signed_in(request)
        if not session.csrf_ok(csrf_token):
            return forged(request, session, "period_signoff")
        asked = {"night": night[:20], "legal_entity": legal_entity[:40], "month": month[:20]}
        if not periods.may_sign(user):
            return refused(
                request,
                session,
                403,
                "period_signoff_refused",
                "Your role does not sign off periods: finance does.",
                reason="role",
                **asked,
            )
        try:
            signed = periods.sign(config.warehouse, user.name, night, legal_entity, month)
        except periods.Refused as refusal:
            return refused(
                request,
                session,
                refusal.status,
                "period_signoff_refused",
                refusal.message,
                reason=refusal.reason,
                **asked,
            )
        audit.record(
            user.name,
            "period_signed_off",
            client(request),
            signoff=signed[0]["signoff_number"],
            **asked,
            cells=[{k: str(c[k]) for k in ("currency", *periods.FIGURES)} for c in signed],
        )
        session.flash.append(
            f"Signed off {periods.label(signed[0]['legal_entity'], signed[0]['month'])}: it is locked."
        )
        return keep(RedirectResponse(f"/periods?night={signed[0]['snapshot_date']}", status_code=303), session)

    def queues_of(user: User) -> list[str]:
        return sorted(user.role.queues - {ALL})

    @app.get("/corrections")
    def corrections(request: Request) -> Response:
        session, user = signed_in(request)
        if not user.role.approve:
            return refused(request, session, 403, "corrections_refused", "Your role does not decide corrections.")
        listed = list_corrections(config.warehouse, queues=queues_of(user))
        return page(
            session,
            "corrections.html",
            proposed=[c for c in listed if c["state"] == "proposed"],
            outbox=listed[:OUTBOX_ROWS],
        )

    @app.post("/corrections")
    def decide(
        request: Request,
        action: str = Form(""),
        correction_id: list[str] = Form(default=[]),
        reason: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        session, user = signed_in(request)
        if not session.csrf_ok(csrf_token):
            return forged(request, session, "corrections")
        if not user.role.approve or action not in ("approve", "reject"):
            return refused(
                request,
                session,
                403,
                "decision_refused",
                "Your role does not decide corrections.",
                requested=action[:20],
            )
        waiting = {
            c["correction_id"] for c in list_corrections(config.warehouse, states=["proposed"], queues=queues_of(user))
        }
        foreign = [c for c in correction_id if c not in waiting]
        if foreign:
            return refused(
                request,
                session,
                403,
                "decision_refused",
                "Some of those corrections are not waiting in your queues.",
                requested=action,
                corrections=[c[:40] for c in foreign[:20]],
            )
        if not correction_id:
            session.flash.append("Select at least one correction.")
        elif action == "reject" and not reason.strip():
            session.flash.append("A rejection needs a reason.")
        else:
            changed = (
                approve_corrections(config.warehouse, correction_id, user.name)
                if action == "approve"
                else reject_corrections(config.warehouse, correction_id, user.name, reason)
            )
            ids = [c["correction_id"] for c in changed]
            audit.record(
                user.name,
                action,
                client(request),
                corrections=ids,
                **({"reason": reason[:500]} if action == "reject" else {}),
            )
            session.flash.append(
                f"{'Approved' if action == 'approve' else 'Rejected'} {len(ids)} "
                f"correction{'s' if len(ids) != 1 else ''}: {', '.join(ids)}"
            )
        return keep(RedirectResponse("/corrections", status_code=303), session)

    return app
