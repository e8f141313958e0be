"""How the service says no: 422 bodies that name the field and the problem
without echoing the input, 413 with the limit, and a JSON reading stricter
than Python's (service.strict_json: no duplicate keys, no NaN or Infinity, no
numbers of thousands of digits, no nesting deep enough to exhaust the stack)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from engine.limits import shown
from service.strict_json import strict_loads

MAX_ERRORS = 20
"""Problems listed in one 422; a count says how many more there were."""


def problems(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic-shaped errors reduced to type, location and message: never the
    input (it may be large or secret), locations cut short and escaped."""
    out = [
        {
            "type": str(error.get("type", "value_error")),
            "loc": [item if isinstance(item, int) else shown(str(item), 64).strip("'")
                    for item in error.get("loc", ())],
            "msg": _message(error),
        }
        for error in errors[:MAX_ERRORS]
    ]  # fmt: skip
    if len(errors) > MAX_ERRORS:
        out.append(
            {
                "type": "too_many_errors",
                "loc": ["body"],
                "msg": f"{len(errors) - MAX_ERRORS} more problem(s) not listed",
            }
        )
    return out


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", ""))
    if error.get("type") == "json_invalid":  # the parser's reason is in ctx
        reason = (error.get("ctx") or {}).get("error")
        if reason:
            message = f"{message}: {reason}"
    return message


def refusal(errors: list[tuple[list, str]]) -> JSONResponse:
    """A 422 for problems found against the service's state (service.writes)."""
    return JSONResponse(
        status_code=422,
        content={
            "detail": problems(
                [{"type": "value_error", "loc": loc, "msg": msg} for loc, msg in errors]
            )
        },
    )


async def validation_failed(_: Request, error: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": problems(list(error.errors()))})


def too_large(max_body_bytes: int) -> str:
    return (
        f"the request body is larger than {max_body_bytes:,} bytes, the service's limit "
        "(SOURCING_SERVICE_MAX_BODY_BYTES); send smaller batches"
    )


class BodyLimit:
    """ASGI middleware: 413 for a body over `max_body_bytes`, before it is read —
    at once from its Content-Length, or, streamed without one, as soon as the
    bytes received go over (the endpoint never sees the body)."""

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", ())).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            response = JSONResponse({"detail": too_large(self.limit)}, 413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, too_large(self.limit))
            return message

        await self.app(scope, counted, send)


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = strict_loads(body)
            except (RecursionError, ValueError) as error:
                if isinstance(error, json.JSONDecodeError):
                    raise
                text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
                reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
                raise json.JSONDecodeError(reason, text, 0) from None
        return self._json


class StrictJSONRoute(APIRoute):
    """Routes whose JSON bodies are read with StrictJSONRequest."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def strict(request: Request):
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict
