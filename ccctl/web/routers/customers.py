"""A tenant's customer records (`ccctl customer list|show|add|remove`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ccctl.cti import customers
from ccctl.web.auth import allow, services

router = APIRouter(prefix="/api/tenants/{tenant}", tags=["customers"])


@router.get("/customers")
def list_customers(tenant: str, number: str | None = None, svc=Depends(services), _=Depends(allow("customers.read"))):
    return [c.model_dump(mode="json") for c in customers.list_customers(svc, tenant, number=number)]


@router.get("/customers/{number}")
def show_customer(tenant: str, number: str, svc=Depends(services), _=Depends(allow("customers.read"))):
    return customers.get_customer(svc, tenant, number).model_dump(mode="json")


@router.post("/customers", status_code=201)
def add_customer(tenant: str, body: dict, svc=Depends(services), _=Depends(allow("customers.write"))):
    """Add a record: {"number": ..., "name": ..., "fields": {...}}, validated as `ccctl customer add`."""
    c = customers.parse(body, f"customer {body.get('number', '')}")
    customers.add_customer(svc, tenant, c)
    return c.model_dump(mode="json")


@router.delete("/customers/{number}", status_code=204)
def remove_customer(tenant: str, number: str, svc=Depends(services), _=Depends(allow("customers.write"))):
    customers.remove_customer(svc, tenant, number)
