"""Who may call what: every request but the open paths carries a bearer token
that the service's KeyRing knows (401 before the body is read otherwise), and
each endpoint asks its scope of that key (403).

The check is an ASGI middleware, so an unauthenticated client cannot make the
service read or parse a body; the scope is a FastAPI dependency on each
endpoint, so the OpenAPI schema shows the bearer scheme.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.keys import ApiKey, KeyRing

OPEN_PATHS = frozenset({"/health", "/openapi.json"})
"""Liveness for orchestrators and the public schema: no key needed."""
_KEY = "sourcing.api_key"
_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer sst_…`")
_Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
"""Read only so that the OpenAPI schema shows the scheme: the middleware checks."""


class Authentication:
    """ASGI middleware: 401 unless the request names a known key (or an open path)."""

    def __init__(self, app, keys: KeyRing):
        self.app = app
        self.keys = keys

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        token = _bearer_token(scope)
        key = self.keys.find(token) if token is not None else None
        if key is None:
            message = (
                "this endpoint needs an API key: send `Authorization: Bearer <token>`"
                if token is None
                else "the API key is not valid (unknown, revoked or mistyped)"
            )
            await _respond(send, 401, message, [(b"www-authenticate", b"Bearer")])
            return
        scope.setdefault("state", {})[_KEY] = key
        await self.app(scope, receive, send)


def _bearer_token(scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


async def _respond(send, status: int, message: str, headers: list) -> None:
    body = json.dumps({"detail": message}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequiredScope:
    """A dependency: the request's key (authenticated by the middleware) must hold
    `scope` (or `admin`), else 403 naming the key and the scope. Asynchronous: the
    check blocks nothing, so it runs on the event loop, not in a worker thread."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    async def __call__(self, request: Request, _: _Credentials) -> ApiKey:
        return authorize(request.scope, self.scope)


def authorize(request_scope: dict, scope: str) -> ApiKey:
    """The request's key when it holds `scope` (or `admin`); HTTPException 403 otherwise."""
    key: ApiKey = request_scope["state"][_KEY]
    if not key.allows(scope):
        raise HTTPException(
            403,
            f"the API key {key.name!r} lacks the {scope!r} scope this endpoint needs; "
            f"it holds {', '.join(sorted(key.scopes))}",
        )
    return key


def requires(scope: str):
    """The dependency that asks the request's key for `scope` (RequiredScope)."""
    return Depends(RequiredScope(scope))
