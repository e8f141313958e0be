"""The routing service for production consumers: a small HTTP API (FastAPI,
served by uvicorn) over the engine's router and its event reactions.

    python -m service --nodes nodes.csv --inventory inventory.csv --artifact ruleset.json

With `--store postgresql://…` several processes share one stock (service.shared_stock;
the `replicas` extra). Installed with the `service` extra. It sits beside `studio` and `cli`: it may
import `engine`, `dsl` and `rulesets`, and nothing imports it.
"""
