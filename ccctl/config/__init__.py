"""The declarative site description: schema, YAML I/O, diff, apply and export."""
