"""Signing in and out of the pages: POST /api/session sets the session cookie."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from ccctl.access import signin
from ccctl.access.roles import Principal
from ccctl.web.auth import COOKIE, principal, services

router = APIRouter(prefix="/api", tags=["session"])


class SignIn(BaseModel):
    login: str
    password: str


def me_of(p: Principal) -> dict:
    return {"login": p.login, "role": p.role, "tenant": p.tenant, "extension": p.extension, "queues": list(p.queues)}


@router.post("/session")
def sign_in(body: SignIn, request: Request, response: Response, svc=Depends(services)) -> dict:
    """Sign in with a login and web password; sets the session cookie (HttpOnly, Secure,
    SameSite=Strict) for the session's lifetime."""
    source = request.client.host if request.client else "unknown"
    p = signin.sign_in(svc, body.login, body.password, source)
    cookie = signin.start_session(svc, body.login)
    response.set_cookie(
        COOKIE, cookie, max_age=signin.SESSION_SECONDS, httponly=True, secure=True, samesite="strict", path="/"
    )
    return me_of(p)


@router.delete("/session")
def sign_out(request: Request, response: Response, svc=Depends(services)) -> dict:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        signin.end_session(svc, cookie)
    response.delete_cookie(COOKIE, path="/")
    return {"signed_in": False}


@router.get("/me")
def me(who: Principal = Depends(principal)) -> dict:
    """Who the session or token acts as."""
    return me_of(who)
