"""Alembic migrations of the ruleset store, shipped inside the package so an installed
`sourcing` upgrades its database on start (`rulesets.store.database.migrate`)."""
