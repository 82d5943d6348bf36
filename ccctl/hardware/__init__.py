"""Voice cards: profiles (hardware/profiles), detection, span/port configuration and the
DAHDI and FreeTDM files rendered from it."""

# The site schema embeds the hardware schema, which builds on the site's base classes:
# loading the site schema first keeps that order whichever module is imported first.
from ccctl.config import spec as _site_spec  # noqa: F401
