"""Institutions authenticate with a bearer token issued by `sincerity institutions add --token`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sincerity.domain.institutions import Institution
from sincerity.kit.errors import AuthenticationError
from sincerity.services.context import Services
from sincerity.services.institutions import authenticate

_bearer = HTTPBearer(auto_error=False, description="An institution's API token")


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def current_institution(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Institution:
    # async: FastAPI would run a plain function in its thread pool, a hop that costs more than
    # the (usually cached) lookup itself.
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise AuthenticationError("send the institution's token as `Authorization: Bearer …`")
    return authenticate(services_of(request), credentials.credentials)


def institution_of(request: Request) -> Institution:
    """The same as `current_institution`, called inline by the hottest routes: FastAPI's
    dependency resolution costs a measurable share of a check."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send the institution's token as `Authorization: Bearer …`")
    return authenticate(services_of(request), token.strip())
