"""Salesforce's OAuth 2.0 token endpoint (`/services/oauth2/token`), as a connected app meets it.

The refresh_token grant is the shared token server's (oauth.py), with Salesforce's own: the client id
and secret come in the form; the refresh token does not rotate (it lasts until revoked); a session
lasts the org's session timeout (two hours by default) and the token response does not say so (no
`expires_in`: a client learns of the expiry from a 401 INVALID_SESSION_ID). The JWT bearer flow and
the consent screen are not emulated.
"""

from __future__ import annotations

import hashlib

from sandbox.emulators.base import Request
from sandbox.emulators.oauth import OAuthTokenServer

SYSTEM = "salesforce"
TOKEN_PATH = "/services/oauth2/token"
SESSION_SECONDS = 2 * 3600  # the org's default session timeout


class SalesforceOAuth(OAuthTokenServer):
    system, issued_key, token_path, access_seconds = SYSTEM, "salesforce_issued_tokens", TOKEN_PATH, SESSION_SECONDS
    rotates, form_credentials = False, True

    def token_body(self, request: Request, access_token: str, refresh_token: str) -> dict:
        instance_url = f"http://{request.header('host')}"
        return {
            "access_token": access_token,
            "signature": hashlib.sha256(access_token.encode()).hexdigest()[:44],
            "scope": "api refresh_token",
            "instance_url": instance_url,
            "id": f"{instance_url}/id/00D000000000001EAA/005000000000001AAA",
            "token_type": "Bearer",
            "issued_at": str(int(self.clock().timestamp() * 1000)),
        }
