"""The studio pages, one file each (run by st.navigation)."""
