"""Alembic migrations of the service's shared stock (service.shared_stock), shipped
inside the package so that `python -m service --store URL` brings its tables up to
date on start. They keep their revision in `service_alembic_version`, apart from
the ruleset store's, so both can live in one database."""
