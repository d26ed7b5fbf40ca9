"""WSGI entry point of a regional node (``gunicorn regional_node.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

# Always the node's own settings, even in a shell where the hub's are exported.
os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("NODE_SETTINGS_MODULE", "regional_node.settings")

application = get_wsgi_application()
