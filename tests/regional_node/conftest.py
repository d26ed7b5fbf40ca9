import pytest

from ..regional import make_node


@pytest.fixture(scope="package")
def solo_node(tmp_path_factory, node_template):
    """A fifth node (SH) of its own, for what must not touch the shared four: subscribers, short
    tickets, retries, drills switched off, scenario lists enforced."""
    node = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("solo-node"),
        NODE_TICKET_SECONDS="2",
        NODE_DRILLS="0",
        NODE_SERVICE_CODES="0",
        NODE_FORWARD_MAX_ATTEMPTS="3",
        NODE_ENFORCE_SCENARIOS="1",
    )
    node.start()
    yield node
    node.stop()
