"""`python -m studio.serve [streamlit options]`: `streamlit run studio/app.py`, with the
libraries the pages need imported before the server starts listening.

`streamlit run` imports a page's libraries (pandas, Plotly, SQLAlchemy and Alembic,
the parser, the engine) only when the first browser session runs the app, so the first
page after a start waits for them: seconds on a busy machine. Started this way, the
server process already holds them and the first page waits less (docs/studio.md).
The options are those of `streamlit run` (`--server.port 8501`...)."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def warm_up() -> None:
    """Import what the first page view would otherwise import."""
    import pandas  # noqa: F401
    import plotly.express  # noqa: F401
    import plotly.graph_objects  # noqa: F401

    import dsl  # noqa: F401
    import engine  # noqa: F401
    import simulations  # noqa: F401
    import simulations.charts  # noqa: F401
    from rulesets.store import RulesetStore  # noqa: F401
    from studio import formats  # noqa: F401
    from studio.components import (  # noqa: F401
        decision_view,
        ruleset_choice,
        run_results,
        shipped_examples,
        strategy_form,
        version_panel,
    )


def main(argv: list[str] | None = None) -> int:
    """Warm up, then hand over to Streamlit's own command line."""
    from streamlit.web import cli

    warm_up()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
