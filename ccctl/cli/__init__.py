"""The `ccctl` command line: thin Typer apps over the library API."""
