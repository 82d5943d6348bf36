"""cctui: the admin console (Textual) over the ccctl library."""
