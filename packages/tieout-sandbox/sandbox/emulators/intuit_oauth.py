"""Intuit's OAuth 2.0 server, as a QuickBooks Online app meets it (developer.intuit.com, "OAuth 2.0"):
the OpenID discovery document that Intuit's own `intuit-oauth` client reads first, the bearer-token
endpoint and revocation.

What matters to a nightly job is emulated: the `refresh_token` grant with the app's client id and
secret in HTTP Basic auth; an access token that lasts an hour; a refresh token that rotates on every
refresh (the new one must be stored, the old one is refused from then on with `invalid_grant`); and
revocation of either token, after which the app must be connected again. The consent screen behind the
`authorization_code` grant is not emulated (`unsupported_grant_type`): the sandbox starts connected.

The app's credentials are the store's `credentials.quickbooks` (`client_id`, `client_secret`,
`refresh_token`); the access tokens issued here are kept with their expiry under ISSUED.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from sandbox.emulators.base import Request, Response
from sandbox.store import SandboxStore

SYSTEM = "quickbooks"
ACCESS_SECONDS = 3600  # an access token lasts an hour
REFRESH_SECONDS = 8_726_400  # a refresh token lasts 101 days unless rotated first
ISSUED = "quickbooks_issued_tokens"  # store meta: access token -> expiry (epoch seconds)
DISCOVERY = "/.well-known/openid_configuration/?"
TOKENS = "/oauth2/v1/tokens/bearer"
REVOKE = "/oauth2/v1/tokens/revoke"


def _oauth_error(status: int, error: str, description: str = "") -> Response:
    body = {"error": error, **({"error_description": description} if description else {})}
    return Response(status, body)


class IntuitOAuth:
    """The token server beside the emulated company: it answers its own paths and tells the API which
    bearer tokens it issued and that are still live."""

    def __init__(self, store: SandboxStore, clock: Callable[[], datetime]):
        self.store, self.clock = store, clock
        self._lock = threading.Lock()  # a refresh reads and rotates the stored tokens in one step

    def routes(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        return [("GET", DISCOVERY, self.discovery), ("POST", TOKENS, self.token), ("POST", REVOKE, self.revoke)]

    def serves(self, path: str) -> bool:
        return path.startswith(("/.well-known/", "/oauth2/"))

    def accepts(self, access_token: str) -> bool:
        """An access token this server issued and that has not expired or been revoked."""
        expiry = (self.store.meta(ISSUED) or {}).get(access_token)
        return expiry is not None and self.clock().timestamp() < expiry

    # -- endpoints ----------------------------------------------------------------------------
    def discovery(self, request: Request) -> Response:
        """Intuit's discovery document, its endpoints on this emulator's own address."""
        base = f"http://{request.header('host')}"
        return Response(
            200,
            {
                "issuer": "https://oauth.platform.intuit.com/op/v1",
                "authorization_endpoint": "https://appcenter.intuit.com/connect/oauth2",
                "token_endpoint": base + TOKENS,
                "userinfo_endpoint": base + "/v1/openid_connect/userinfo",
                "revocation_endpoint": base + REVOKE,
                "jwks_uri": base + "/op/v1/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            },
        )

    def token(self, request: Request) -> Response:
        with self._lock:
            return self._token(request)

    def _token(self, request: Request) -> Response:
        app = self._app(request)
        if app is None:
            return _oauth_error(401, "invalid_client")
        form = {name: values[-1] for name, values in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(400, "unsupported_grant_type")
        if not app.get("refresh_token") or form.get("refresh_token") != app["refresh_token"]:
            return _oauth_error(400, "invalid_grant", "Incorrect or invalid refresh token")
        access_token, refresh_token = secrets.token_urlsafe(32), f"RT1-{secrets.token_hex(24)}"
        live = {t: e for t, e in (self.store.meta(ISSUED) or {}).items() if e > self.clock().timestamp()}
        self.store.set_meta(ISSUED, {**live, access_token: self.clock().timestamp() + ACCESS_SECONDS})
        self._save_app({**app, "refresh_token": refresh_token})
        return Response(
            200,
            {
                "token_type": "bearer",
                "access_token": access_token,
                "expires_in": ACCESS_SECONDS,
                "refresh_token": refresh_token,
                "x_refresh_token_expires_in": REFRESH_SECONDS,
            },
        )

    def revoke(self, request: Request) -> Response:
        """Revoking either token disconnects the app: its refresh token and every access token go."""
        with self._lock:
            return self._revoke(request)

    def _revoke(self, request: Request) -> Response:
        app = self._app(request)
        if app is None:
            return _oauth_error(401, "invalid_client")
        try:
            token = (json.loads(request.body or b"{}") or {}).get("token")
        except ValueError:
            token = None
        if not token:
            return _oauth_error(400, "invalid_request", "token is required")
        if token == app.get("refresh_token") or token in (self.store.meta(ISSUED) or {}):
            self._save_app({**app, "refresh_token": None})
            self.store.set_meta(ISSUED, {})
        return Response(200)

    # -- the connected app ------------------------------------------------------------------------
    def _app(self, request: Request) -> dict | None:
        """The app's stored credentials when the request's Basic auth names them, else None."""
        app = (self.store.meta("credentials") or {}).get(SYSTEM, {})
        scheme, _, encoded = (request.header("authorization") or "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        known = app.get("client_id") and (client_id, secret) == (app.get("client_id"), app.get("client_secret"))
        return app if scheme.lower() == "basic" and known else None

    def _save_app(self, app: dict) -> None:
        self.store.set_meta("credentials", {**(self.store.meta("credentials") or {}), SYSTEM: app})
