"""Access tokens that expire. A connector configured with an OAuth app (client id and secret, and a
refresh token got once when a person authorised it) gets its access tokens from the vendor's token
endpoint with the refresh_token grant: before the one held expires (the response's `expires_in`, where
the vendor says it) and once when the API answers that it has. A connector given only an access token
(a Harvest personal access token) sends it as it is.

Each refresh reads the latest refresh token from the token store and writes the one the vendor returns
before the new access token is used, under the store's lock (token_store.py). A refresh the vendor
refuses (`invalid_grant`: revoked, expired or already spent) cannot be retried away: it raises
`TokenRefused`, saying what a person must do, and naming no token."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from dagster import ConfigurableResource

from resources.http import ApiClient, BearerToken, ClientRateLimiter, SourceSystemError
from resources.settings.environment import SourcesSettings
from resources.token_store import TokenStore

EARLY_SECONDS = 60.0  # refresh this long before the vendor's expiry (at most a tenth of the lifetime)
REFUSALS = {
    "invalid_grant": "the refresh token was revoked, has expired or was already used",
    "invalid_client": "the client id or secret is wrong",
    "invalid_client_id": "the client id is wrong",
}


class TokenRefused(RuntimeError):
    """The vendor refused to refresh the access token: only a person re-authorising the app fixes it."""

    def __init__(self, system: str, code: str, store: Path):
        variable = SourcesSettings.variable(f"{system}_refresh_token")
        super().__init__(
            f"{system}: the token endpoint refused to refresh the access token ({code}: "
            f"{REFUSALS.get(code, 'the app is no longer authorised')}). Authorise tieout's app in {system} "
            f"again and set {variable} to the new refresh token; the token store {store} takes over from "
            "there (README, Tokens)"
        )


@dataclass
class StaticToken:
    """A token that does not expire, or that the deployment keeps fresh."""

    token: str

    def current(self) -> str:
        return self.token

    def renew(self, rejected: str) -> bool:
        return False


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class RefreshingToken:
    """An OAuth app's access token, refreshed at `token_url` with the latest refresh token in `store`.
    `seed` is the configured refresh token: the store keeps the ones issued since, until another is
    configured (the app authorised again), which replaces them."""

    system: str
    token_url: str
    client_id: str
    client_secret: str
    seed: str
    store: TokenStore
    basic_auth: bool  # the client id and secret in HTTP Basic auth (Intuit), else in the form
    clock: Callable[[], float] = time.time
    _access: str = field(default="", init=False)
    _renew_after: float | None = field(default=None, init=False)

    def current(self) -> str:
        if not self._access or self._due(self._renew_after):
            self._refresh(rejected=self._access)
        return self._access

    def renew(self, rejected: str) -> bool:
        self._refresh(rejected)
        return True

    def _due(self, renew_after: float | None) -> bool:
        return renew_after is not None and self.clock() >= renew_after

    def _refresh(self, rejected: str) -> None:
        """Take the stored access token another step got meanwhile, else refresh and store first."""
        with self.store.locked():
            entry = self.store.read(self.system)
            if entry.get("seed") != fingerprint(self.seed):
                entry = {"refresh_token": self.seed, "seed": fingerprint(self.seed)}
            stored = entry.get("access_token")
            if stored and stored != rejected and not self._due(entry.get("renew_after")):
                self._access, self._renew_after = stored, entry.get("renew_after")
                return
            issued, body = self.clock(), self._grant(entry["refresh_token"])
            lifetime = body.get("expires_in")
            entry = {
                **entry,
                "refresh_token": body.get("refresh_token") or entry["refresh_token"],
                "access_token": body["access_token"],
                "renew_after": issued + max(lifetime - EARLY_SECONDS, lifetime * 0.9) if lifetime else None,
            }
            self.store.write(self.system, entry)
        self._access, self._renew_after = entry["access_token"], entry["renew_after"]

    def _grant(self, refresh_token: str) -> dict:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        headers = {"Accept": "application/json"}
        if self.basic_auth:
            pair = f"{self.client_id}:{self.client_secret}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        else:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        # a refresh that may have reached the vendor is not sent again: it may have spent the token
        client = ApiClient(self.system, self.token_url, headers, ClientRateLimiter(10, 1.0), max_retries=3)
        try:
            body = client.request_json("POST", self.token_url, object_name="token refresh", form=form)
        except SourceSystemError as error:
            if error.status in (400, 401):
                raise TokenRefused(self.system, oauth_error(error.reason), self.store.path) from None
            raise
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise SourceSystemError(self.system, "token refresh", None, 200, "the response has no access_token")
        return body


def oauth_error(vendor_message: str) -> str:
    """The OAuth error code in a token endpoint's answer (RFC 6749 5.2), e.g. `invalid_grant`."""
    for code in REFUSALS:
        if f'"{code}"' in vendor_message:
            return code
    return "refused"


class OAuthConnector(ConfigurableResource):
    """A connector's credentials: an access token, or an OAuth app whose refresh token the token store
    keeps (`token_store`, a file under TIEOUT_HOME). With a refresh token, the access token is not used."""

    system: ClassVar[str]
    basic_auth: ClassVar[bool] = False
    expiry_marker: ClassVar[str] = ""  # in a 401's body: the access token expired (any 401 when empty)

    access_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""
    token_url: str = ""
    token_store: str = ".tieout/tokens.json"

    def credentials(self) -> dict[str, str]:
        return {
            "access_token": self.access_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_url": self.token_url,
        }

    def default_token_url(self, base_url: str) -> str:
        raise NotImplementedError

    def bearer(self, base_url: str, credentials: dict[str, str]) -> BearerToken:
        """The token source for what `SandboxResource.resolve` gave: refreshing when there is an app (in
        the store the sandbox names, when it serves the source)."""
        if not credentials.get("refresh_token"):
            return StaticToken(credentials["access_token"])
        return RefreshingToken(
            system=self.system,
            token_url=credentials.get("token_url") or self.default_token_url(base_url),
            client_id=credentials["client_id"],
            client_secret=credentials["client_secret"],
            seed=credentials["refresh_token"],
            store=TokenStore(Path(credentials.get("token_store") or self.token_store)),
            basic_auth=self.basic_auth,
        )
