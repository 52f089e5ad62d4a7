"""``python -m workbench`` is the ``workbench`` command."""
from .cli import main

if __name__ == "__main__":  # not when a spawned multiprocessing child re-imports __main__
    raise SystemExit(main())
