"""The web service on the box (`ccctl web serve`): the REST API and the agent page, over the
same library operations as `ccctl`.

  app        the FastAPI application: routers, the static page, typed errors -> HTTP statuses
  auth       who is asking (session cookie or API token) and THE tenant/role check, one dependency
  feed       the daemon's CTI events (its event logs) fanned out to the pages' event streams
  serve      uvicorn over HTTPS with the box's certificate
  routers/   one module per resource: session, calls, customers, recordings, agents (status,
             wrap-up, screen-pop stream)
  static/    the agent page (plain HTML, CSS and JavaScript; no build step, no CDN)
"""
