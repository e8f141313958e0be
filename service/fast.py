"""The lean request path of POST /route and POST /events (docs/service.md, "How a
request is served").

FastAPI solves every endpoint's parameters and dependencies anew at each request
(their cache keys, scopes, the bearer scheme), runs plain `def` endpoints and
dependencies in worker threads (a hand-over costs more than routing one order), and
walks a returned dict with its encoder before JSON encodes it. `LeanJSONRoute`
keeps what FastAPI derives from the endpoint — the OpenAPI schema, the body field
and its validator, built once — and runs the request in one coroutine: the body
read and parsed as StrictJSONRoute does, the key's scope checked, the body
validated, the endpoint awaited. The steps, their order and their answers are
FastAPI's: a body that is not JSON is refused first (422), then a key without the
scope (403), then a body that does not validate (422, same errors).

The collector is paused while a request is served, from its body's parsing to its
answer's encoding: a request makes many small objects that hold no cycle (parsed
JSON, models, orders, decisions, answer), and a pass of the collector in the middle
of it walks all of them — a batch of 1,000 orders makes about 50,000, a pass's worth
(`service.__main__.YOUNG_OBJECTS`). Resumed once the request's own objects are gone,
the next pass walks only what the request left behind (the ledger's records).

`json_response` encodes an answer once, with orjson: the answers are plain JSON
values already (decisions' `to_dict`), so no encoder walk is needed.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.requests import Request

from dsl.parser import collection_paused
from service.errors import StrictJSONRequest, StrictJSONRoute
from service.security import RequiredScope, authorize

JSON = "application/json"


def json_response(answer: Any, status_code: int = 200) -> Response:
    """`answer` (plain JSON values) as a JSON response, encoded once; anything orjson
    does not know goes through FastAPI's encoder, as a returned dict would."""
    body = orjson.dumps(answer, default=jsonable_encoder)
    return Response(body, status_code=status_code, media_type=JSON)


class LeanJSONRoute(StrictJSONRoute):
    """A route whose endpoint is `async def endpoint(body) -> Response` with one body
    parameter and only RequiredScope dependencies, run without FastAPI's per-request
    solving (see the module doc)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        field = self.body_field
        scopes = [getattr(depends, "dependency", None) for depends in self.dependencies]
        if field is None or not all(isinstance(scope, RequiredScope) for scope in scopes):
            raise TypeError(f"{self.path}: a lean route has a body and scope checks only")
        needed = [scope.scope for scope in scopes if isinstance(scope, RequiredScope)]
        endpoint = self.endpoint
        strict = getattr(self, "strict_content_type", False)  # FastAPI < 0.12x: lenient
        strict_type = bool(getattr(strict, "value", strict))

        async def handle(request: Request) -> Response:
            with collection_paused():
                return await handled(request)

        async def handled(request: Request) -> Response:
            body = await _read_body(StrictJSONRequest(request.scope, request.receive), strict_type)
            for scope in needed:
                authorize(request.scope, scope)
            if body is None:
                missing = {"type": "missing", "loc": ("body",), "msg": "Field required"}
                raise RequestValidationError([missing | {"input": None}])
            value, errors = field.validate(body, {}, loc=("body",))
            if errors:
                raise RequestValidationError(errors, body=body)
            response: Response = await endpoint(value)
            return response

        return handle


async def _read_body(request: StrictJSONRequest, strict_type: bool) -> Any:
    """The body as FastAPI reads it for a JSON body parameter: None when empty; the
    parsed JSON when the content type says JSON (or, not strict, says nothing); the
    raw bytes otherwise (they fail validation)."""
    try:
        raw = await request.body()
        if not raw:
            return None
        content_type = request.headers.get("content-type")
        if content_type == JSON or (content_type is None and not strict_type):
            return await request.json()
        if content_type is not None and _says_json(content_type):
            return await request.json()
        return raw
    except json.JSONDecodeError as error:
        problem = {
            "type": "json_invalid",
            "loc": ("body", error.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": error.msg},
        }
        raise RequestValidationError([problem], body=error.doc) from error
    except HTTPException:
        raise
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error


def _says_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")
