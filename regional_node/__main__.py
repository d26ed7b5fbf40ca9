"""``python -m regional_node <command>``: the node's manage.py (``serve``, ``migrate``, ``seed_demo``...)."""

import os
import sys


def main() -> None:
    # Always the node's own settings, even in a shell where the hub's are exported.
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("NODE_SETTINGS_MODULE", "regional_node.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m regional_node", *sys.argv[1:]])


if __name__ == "__main__":
    main()
