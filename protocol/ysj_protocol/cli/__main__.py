"""``python -m ysj_protocol.cli``: the same as the ``ysj`` console script."""

import sys

from .main import main

if __name__ == "__main__":
    sys.exit(main())
