"""Xero's identity server (identity.xero.com), as a Xero app and the `xero-python` SDK meet it.

The refresh_token grant with rotating refresh tokens is the shared token server's (oauth.py). Xero's
own: access tokens last 30 minutes; the app's client id and secret come in HTTP Basic auth or, as the
SDK sends them, in the form (`client_secret_post`); the token response has exactly the keys the SDK's
`OAuth2Token.update_token` takes (an extra key would break it), with the granted scope. Revocation,
the consent screen and OpenID's `id_token` are not emulated.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.emulators.base import Request, Response
from sandbox.emulators.oauth import OAuthTokenServer

SYSTEM = "xero"
TOKEN_PATH = "/connect/token"
SCOPES = "offline_access accounting.transactions accounting.contacts accounting.settings.read projects"


class XeroIdentity(OAuthTokenServer):
    system, issued_key, access_seconds = SYSTEM, "xero_issued_tokens", 1800

    def routes(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        return [("POST", TOKEN_PATH, self.token)]

    def serves(self, path: str) -> bool:
        return path == TOKEN_PATH

    def token_body(self, access_token: str, refresh_token: str) -> dict:
        app = self.stored_app()
        return {
            **super().token_body(access_token, refresh_token),
            "token_type": "Bearer",
            "scope": app.get("scope", SCOPES),
        }

    def app(self, request: Request, form: dict[str, str]) -> dict | None:
        """Basic auth, else the client id and secret in the form, as the SDK sends them."""
        basic = super().app(request, form)
        if basic is not None or request.header("authorization"):
            return basic
        app = self.stored_app()
        known = app.get("client_id") and (form.get("client_id"), form.get("client_secret")) == (
            app.get("client_id"),
            app.get("client_secret"),
        )
        return app if known else None
