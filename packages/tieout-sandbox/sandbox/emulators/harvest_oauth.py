"""Harvest's OAuth 2.0 token endpoint (id.getharvest.com `/api/v2/oauth2/token`), served beside the
emulated API on its own address.

The refresh_token grant is the shared token server's (oauth.py), with Harvest's own: the client id
and secret come in the form, an access token lasts 14 days (the response's `expires_in`) and the
response carries a refresh token, which this emulator rotates (a client that stores the one it gets
works whether Harvest rotates it or not). Personal access tokens never expire: the emulated API still
takes the store's configured one.
"""

from __future__ import annotations

from sandbox.emulators.oauth import OAuthTokenServer

SYSTEM = "harvest"
TOKEN_PATH = "/api/v2/oauth2/token"
ACCESS_SECONDS = 14 * 24 * 3600 - 1  # what Harvest's token responses say


class HarvestOAuth(OAuthTokenServer):
    system, issued_key, token_path, access_seconds = SYSTEM, "harvest_issued_tokens", TOKEN_PATH, ACCESS_SECONDS
    form_credentials = True
