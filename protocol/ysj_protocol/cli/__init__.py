"""``ysj``: the application system's command line (console script of ``ysj-protocol``).

Subcommands live in one module each and register themselves (``register(subparsers)``); the exit
codes are ``ysj_protocol.cli.exitcodes``. Run ``ysj --help`` or ``python -m ysj_protocol.cli``.
"""
