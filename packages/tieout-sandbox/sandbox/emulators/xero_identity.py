"""Xero's identity server (identity.xero.com), as a Xero app and the `xero-python` SDK meet it.

The refresh_token grant with rotating refresh tokens is the shared token server's (oauth.py). Xero's
own: access tokens last 30 minutes; the app's client id and secret come in HTTP Basic auth or, as the
SDK sends them, in the form (`client_secret_post`); the token response has exactly the keys the SDK's
`OAuth2Token.update_token` takes (an extra key would break it), with the granted scope. Revocation,
the consent screen and OpenID's `id_token` are not emulated.
"""

from __future__ import annotations

from sandbox.emulators.base import Request
from sandbox.emulators.oauth import OAuthTokenServer

SYSTEM = "xero"
TOKEN_PATH = "/connect/token"
SCOPES = "offline_access accounting.transactions accounting.contacts accounting.settings.read projects"


class XeroIdentity(OAuthTokenServer):
    system, issued_key, token_path, access_seconds = SYSTEM, "xero_issued_tokens", TOKEN_PATH, 1800
    form_credentials = True  # Basic auth, else the client id and secret in the form, as the SDK sends them

    def token_body(self, request: Request, access_token: str, refresh_token: str) -> dict:
        app = self.stored_app()
        return {
            **super().token_body(request, access_token, refresh_token),
            "token_type": "Bearer",
            "scope": app.get("scope", SCOPES),
        }
