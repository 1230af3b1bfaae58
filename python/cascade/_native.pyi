"""The Rust side of the package (python/src/lib.rs)."""

def check(path: str) -> str:
    """What ``cascade check`` prints for a valid file; raises cascade.ScenarioError."""

def command(arguments: list[str]) -> str:
    """Runs a command line of ``cascade`` (without the program's name) with the
    GIL released; returns its standard output. Raises cascade.CascadeError, or
    KeyboardInterrupt on Ctrl-C once the running replicates are kept."""

def version() -> str:
    """``cascade --version`` without the name."""
