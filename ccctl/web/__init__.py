"""The web service on the box (`ccctl web serve`): the REST API and the agent page, over the
same library operations as `ccctl`.

  app        the FastAPI application: routers, the static page, typed errors -> HTTP statuses
  auth       who is asking (session cookie or API token) and THE tenant/role check, one dependency
  feed       the daemon's CTI events (its event logs) fanned out to the pages' event streams
  boards     live wallboards (one per tenant, fed by its own Event Socket stream) for supervisors
  serve      uvicorn over HTTPS with the box's certificate
  routers/   one module per resource: session, calls, customers, recordings, agents (status,
             wrap-up, screen-pop stream, phone settings, figures today), supervision
  static/    the agent page (with its WebRTC phone, phone.js) and the supervisor page: plain
             HTML, CSS and JavaScript, no build step, no CDN; vendor/ holds SIP.js, pinned and
             fetched by scripts/vendor-js when the package is built
"""
