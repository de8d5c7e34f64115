"""The ``symgrad`` command: a thin layer over the library, one module per subcommand.

Each module in :data:`COMMANDS` has a docstring (its help), ``add_arguments(parser)`` and
``run(args) -> int``. ``main(argv)`` is testable without a subprocess.
"""

import argparse
import importlib
import sys

from ..core.errors import SymgradError
from .signals import exit_status, signal_name, terminate_as_interrupt

COMMANDS = ("demo", "render", "train", "verify", "check", "explain")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="symgrad", description="Exact, explained and verified calculus "
                                     "for machine learning.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        sub = commands.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    try:
        with terminate_as_interrupt():
            return args.run(args) or 0
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: outputs are written whole, so none is half-done
        print(f"\nsymgrad {args.command}: stopped by {signal_name(stop)}; every file written before it is "
              "complete, and nothing half-done was written", file=sys.stderr)
        return exit_status(stop)
    except SymgradError as error:
        print(f"symgrad {args.command}: error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:  # an optional dependency of this command (torch, scikit-learn)
        extra = {"torch": "torch", "sklearn": "digits"}.get(error.name, None)
        hint = f" (pip install 'symgrad[{extra}]')" if extra else ""
        print(f"symgrad {args.command}: error: {error.name or error} is not installed{hint}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (symgrad ... | head): stop quietly
        sys.stderr.close()
        return 0
