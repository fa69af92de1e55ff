"""Intuit's OAuth 2.0 server, as a QuickBooks Online app meets it (developer.intuit.com, "OAuth 2.0"):
the OpenID discovery document that Intuit's own `intuit-oauth` client reads first, the bearer-token
endpoint and revocation.

The refresh_token grant and its rotating refresh token are the shared token server's (oauth.py):
Intuit's access token lasts an hour and its token response also says how long the refresh token
lasts; revoking either token disconnects the app, which must then be connected again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

from sandbox.emulators.base import Request, Response
from sandbox.emulators.oauth import OAuthTokenServer, oauth_error

SYSTEM = "quickbooks"
ACCESS_SECONDS = 3600  # an access token lasts an hour
REFRESH_SECONDS = 8_726_400  # a refresh token lasts 101 days unless rotated first
ISSUED = "quickbooks_issued_tokens"  # store meta: access token -> expiry (epoch seconds)
DISCOVERY = "/.well-known/openid_configuration/?"
TOKENS = "/oauth2/v1/tokens/bearer"
REVOKE = "/oauth2/v1/tokens/revoke"


class IntuitOAuth(OAuthTokenServer):
    """Intuit's token server beside the emulated company."""

    system, issued_key, token_path, access_seconds = SYSTEM, ISSUED, TOKENS, ACCESS_SECONDS

    def routes(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        return [("GET", DISCOVERY, self.discovery), ("POST", TOKENS, self.token), ("POST", REVOKE, self.revoke)]

    def serves(self, path: str) -> bool:
        return path.startswith(("/.well-known/", "/oauth2/"))

    def new_refresh_token(self) -> str:
        return f"RT1-{secrets.token_hex(24)}"

    def token_body(self, request: Request, access_token: str, refresh_token: str) -> dict:
        body = super().token_body(request, access_token, refresh_token)
        return {**body, "x_refresh_token_expires_in": REFRESH_SECONDS}

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

    def revoke(self, request: Request) -> Response:
        """Revoking either token disconnects the app: its refresh token and every access token go."""
        with self._lock:
            return self._revoke(request)

    def _revoke(self, request: Request) -> Response:
        app = self.app(request, {})
        if app is None:
            return oauth_error(401, "invalid_client")
        try:
            token = (json.loads(request.body or b"{}") or {}).get("token")
        except ValueError:
            token = None
        if not token:
            return oauth_error(400, "invalid_request", "token is required")
        if token == app.get("refresh_token") or token in (self.store.meta(ISSUED) or {}):
            self.save_app({**app, "refresh_token": None})
            self.store.set_meta(ISSUED, {})
        return Response(200)
