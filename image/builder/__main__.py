import sys

try:
    from .cli import main
except ModuleNotFoundError as exc:
    # Run before `make install`: the build's Python packages (rich, ccctl's dependencies) live
    # in the project's virtual environment, which image/build uses once it exists.
    if exc.name and exc.name.split(".")[0] not in ("image", "ccctl"):
        print(
            f"image/build: Python package {exc.name!r} is missing: run `make install` first "
            "(image/build then runs with .venv)",
            file=sys.stderr,
        )
        sys.exit(1)
    raise

sys.exit(main())
