"""One router per resource; each calls the library operation `ccctl` calls."""
