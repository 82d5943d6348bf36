"""The one error the build reports: a single line naming what is wrong."""


class BuildError(Exception):
    pass
