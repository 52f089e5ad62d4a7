"""Print the cards of a flow's latest run as JSON: ``{step: [{"type", "id", "html"}]}``.

    python card_reader.py workbench FLOW_NAME STORE_DIR   # workbench's get_cards
    python card_reader.py metaflow FLOW_NAME              # Metaflow's get_cards

Both go through ``get_cards(task)`` and ``Card.get()`` (the card's HTML), as a user's script
would; the test parses what they print.
"""
from __future__ import annotations

import json
import sys


def main() -> None:
    which, flow_name = sys.argv[1], sys.argv[2]
    if which == "workbench":
        from workbench.compat.metaflow import Flow, metadata, namespace
        from workbench.compat.metaflow.cards import get_cards

        metadata(sys.argv[3])
    else:
        from metaflow import Flow, namespace
        from metaflow.cards import get_cards
    namespace(None)
    run = Flow(flow_name).latest_run
    print(json.dumps({step.id: [{"type": card.type, "id": card.id, "html": card.get()}
                                for task in step for card in get_cards(task)]
                      for step in run}))


if __name__ == "__main__":
    main()
