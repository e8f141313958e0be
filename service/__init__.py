"""The routing service for production consumers: a small HTTP API (FastAPI,
served by uvicorn) over the engine's router and its event reactions.

    python -m service --nodes nodes.csv --inventory inventory.csv --artifact ruleset.json

Installed with the `service` extra. It sits beside `studio` and `cli`: it may
import `engine`, `dsl` and `rulesets`, and nothing imports it.
"""
