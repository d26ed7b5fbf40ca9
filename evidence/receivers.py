"""Signal receivers: governance steps and catalog changes write their entries in their transaction."""


def connect() -> None:
    pass
