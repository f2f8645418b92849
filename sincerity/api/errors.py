"""One JSON error shape for every failure: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sincerity.kit.errors import SincerityError


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or {}}}, status_code=status)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The body is not JSON or not the expected shape"},
    401: {"model": ErrorResponse, "description": "No valid credential"},
    403: {"model": ErrorResponse, "description": "The credential does not allow this"},
    404: {"model": ErrorResponse, "description": "Not found"},
    409: {"model": ErrorResponse, "description": "Not possible in the current state (the message says why)"},
    413: {"model": ErrorResponse, "description": "Too many items in one request"},
    422: {"model": ErrorResponse, "description": "Invalid input"},
}


def install(app: FastAPI) -> None:
    @app.exception_handler(SincerityError)
    async def _sincerity(_request: Request, exc: SincerityError) -> JSONResponse:
        status = exc.status if exc.status < 500 else 503
        return error_response(status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")} for e in exc.errors()
        ]
        first = problems[0] if problems else {"where": "request", "problem": "invalid"}
        return error_response(422, "invalid_request", f"{first['where']}: {first['problem']}", {"problems": problems})

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        # A fault of ours: the same JSON shape, and nothing about the data that met it.
        return error_response(500, "internal", f"internal error ({type(exc).__name__})")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "forbidden"}
        return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))
