"""Sourcing Studio: `streamlit run studio/app.py`. Settings come from the environment
(see studio/config.py): SOURCING_DB_URL, SOURCING_DATA_DIR, SOURCING_USER. In a store
with user accounts nothing is shown before the sign-in."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from studio.components import shipped_examples, sign_in, working_copy
from studio.components.ruleset_choice import store

# One module per page; not `pages/`, which Streamlit would list on its own before the
# navigation below has run. (A comment, not a string: Streamlit's magic writes any bare
# string of this script on every page.)
PAGES = Path(__file__).resolve().parent / "views"
FAVICON = Path(__file__).resolve().parent / "favicon.svg"

# The favicon is a file of ours: a Material icon there (or a page's icon) would be fetched
# by the browser from Google's font CDN.
st.set_page_config(page_title="Sourcing Studio", page_icon=str(FAVICON), layout="wide")
shipped_examples.seed_once()
if sign_in.signing_out():
    working_copy.keep_before_leaving(store())
    sign_in.forget_session()
if not sign_in.signed_in_or_form(store()):
    st.stop()
sign_in.sidebar(store())
navigation = st.navigation(
    {
        "Rules": [
            st.Page(PAGES / "rules.py", title="Rules", icon=":material/edit_note:", default=True),
            st.Page(PAGES / "timeline.py", title="Timeline", icon=":material/date_range:"),
        ],
        "Data and simulation": [
            st.Page(PAGES / "network.py", title="Network and stock", icon=":material/hub:"),
            st.Page(PAGES / "carriers.py", title="Carriers", icon=":material/local_shipping:"),
            st.Page(PAGES / "try_order.py", title="Try one order", icon=":material/package_2:"),
            st.Page(
                PAGES / "try_return.py",
                title="Try one return",
                icon=":material/assignment_return:",
            ),
            st.Page(PAGES / "simulate.py", title="Simulate", icon=":material/monitoring:"),
            st.Page(PAGES / "compare.py", title="Compare", icon=":material/compare_arrows:"),
            st.Page(PAGES / "sweep.py", title="Sweep", icon=":material/grid_view:"),
        ],
    }
)
navigation.run()
