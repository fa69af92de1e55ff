"""The OAuth 2.0 token server every emulated vendor app refreshes through (RFC 6749 section 6).

What matters to a nightly job: the `refresh_token` grant with the app's client id and secret; an
access token that lasts the vendor's lifetime (`access_seconds`, which a test may shorten on an
instance); a refresh token that rotates on every refresh where the vendor rotates it (the new one must
be stored, the old one is refused from then on with `invalid_grant`). A vendor subclasses it for its
paths, lifetimes, token shapes and extras (Intuit's discovery document and revocation:
intuit_oauth.py; Xero's identity server: xero_identity.py; Salesforce's and Harvest's token endpoints:
salesforce_oauth.py, harvest_oauth.py). Consent screens behind the
`authorization_code` grant are not emulated (`unsupported_grant_type`): the sandbox starts connected.

The app's credentials are the store's `credentials.<system>` (`client_id`, `client_secret`,
`refresh_token`); the access tokens issued are kept with their expiry under the store meta `issued_key`.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from sandbox.emulators.base import Emulator, Request, Response
from sandbox.store import SandboxStore


def oauth_error(status: int, error: str, description: str = "") -> Response:
    body = {"error": error, **({"error_description": description} if description else {})}
    return Response(status, body)


class OAuthTokenServer:
    """The token server beside an emulated API: it answers its own paths and tells the API which bearer
    tokens it issued and that are still live."""

    system = ""
    issued_key = ""  # store meta: access token -> expiry (epoch seconds)
    token_path = ""
    access_seconds: float = 3600
    rotates = True  # a refresh issues a new refresh token and spends the old one
    form_credentials = False  # the client id and secret may come in the form (`client_secret_post`)

    def __init__(self, store: SandboxStore, clock: Callable[[], datetime]):
        self.store, self.clock = store, clock
        self._lock = threading.Lock()  # a refresh reads and rotates the stored tokens in one step

    def accepts(self, access_token: str) -> bool:
        """An access token this server issued and that has not expired or been revoked."""
        expiry = (self.store.meta(self.issued_key) or {}).get(access_token)
        return expiry is not None and self.clock().timestamp() < expiry

    def bearer_is_valid(self, request: Request) -> bool:
        """The API's check: the configured long-lived access token, or one this server issued and still
        honours, as a Bearer token."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        return (
            scheme == "Bearer"
            and bool(token)
            and (token == self.stored_app().get("access_token") or self.accepts(token))
        )

    def register(self, emulator: Emulator) -> None:
        """Serve this server's paths beside the emulated API."""
        for method, pattern, handler in self.routes():
            emulator.route(method, pattern, handler)

    def routes(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        """The vendor's token paths (method, pattern, handler)."""
        return [("POST", self.token_path, self.token)]

    def serves(self, path: str) -> bool:
        """Whether a path is the token server's (it authenticates the app itself)."""
        return path == self.token_path

    # -- for vendors ------------------------------------------------------------------------------
    def new_refresh_token(self) -> str:
        return secrets.token_urlsafe(32)

    def token_body(self, request: Request, access_token: str, refresh_token: str) -> dict:
        """The vendor's token response: exactly the keys its own client expects."""
        return {
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": self.access_seconds,
            "refresh_token": refresh_token,
        }

    # -- the refresh_token grant ----------------------------------------------------------------
    def token(self, request: Request) -> Response:
        with self._lock:
            return self._token(request)

    def _token(self, request: Request) -> Response:
        form = {name: values[-1] for name, values in parse_qs(request.body.decode("utf-8", "replace")).items()}
        app = self.app(request, form)
        if app is None:
            return oauth_error(401, "invalid_client")
        if form.get("grant_type") != "refresh_token":
            return oauth_error(400, "unsupported_grant_type")
        if not app.get("refresh_token") or form.get("refresh_token") != app["refresh_token"]:
            return oauth_error(400, "invalid_grant", "Incorrect or invalid refresh token")
        access_token = secrets.token_urlsafe(32)
        refresh_token = self.new_refresh_token() if self.rotates else app["refresh_token"]
        now = self.clock().timestamp()
        live = {t: e for t, e in (self.store.meta(self.issued_key) or {}).items() if e > now}
        self.store.set_meta(self.issued_key, {**live, access_token: now + self.access_seconds})
        self.save_app({**app, "refresh_token": refresh_token})
        return Response(200, self.token_body(request, access_token, refresh_token))

    # -- the connected app ------------------------------------------------------------------------
    def app(self, request: Request, form: dict[str, str]) -> dict | None:
        """The app's stored credentials when the request's Basic auth names them (or, where the vendor
        takes them so, its form), else None."""
        app = self.stored_app()
        authorization = request.header("authorization")
        if authorization is None and self.form_credentials:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        else:
            scheme, _, encoded = (authorization or "").partition(" ")
            try:
                client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            if scheme.lower() != "basic":
                return None
        known = app.get("client_id") and (client_id, secret) == (app.get("client_id"), app.get("client_secret"))
        return app if known else None

    def stored_app(self) -> dict:
        return (self.store.meta("credentials") or {}).get(self.system, {})

    def save_app(self, app: dict) -> None:
        self.store.set_meta("credentials", {**(self.store.meta("credentials") or {}), self.system: app})
