"""The city report: one kind of report over several halls' databases, each hall's rows with the hall's name first."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from onewindow.configfile import ConfigError
from onewindow.hallfile import load_hall

from .reports import Legend, Row, city_report
from .store import Store, open_existing

log = logging.getLogger(__name__)


def city_rows(kind: str, first: str, last: str, databases: list[str], zone: tzinfo | None = None) -> list[Row]:
    """The rows of `kind` for the days `first` to `last` in each hall's database (a path or URL), in the order
    given. `zone` (for hours) defaults to each hall's own, else this machine's. Raises StoreError for a database
    that is not there or cannot be read."""
    stores: list[Store] = []
    try:
        for db in databases:
            stores.append(open_existing(db))
        return city_report(
            kind,
            [
                (store.period(first, last), legend_of(store, db, zone))
                for store, db in zip(stores, databases, strict=True)
            ],
        )
    finally:
        for store in stores:
            store.close()


def legend_of(store: Store, db: str, zone: tzinfo | None) -> Legend:
    """A hall's name as its database records it; its clerks' and services' names and its time zone from the hall
    file it recorded, when that file is readable here (a city's server may have only the databases: ids then)."""
    name = store.meta_value("hall_name") or store.meta_value("hall_id") or db.rsplit("/", 1)[-1]
    recorded = store.meta_value("hall_file")
    if recorded and Path(recorded).is_file():
        try:
            config = load_hall(recorded)
        except ConfigError:
            config = None
        if config is not None and config.name == name:
            legend = Legend.of(config, time.time())
            return legend if zone is None else replace(legend, zone=zone)
    log.info("the hall file of %s is not readable here: clerks and services are shown by their ids", name)
    return Legend(name, zone or _local_zone(), now=time.time())


def _local_zone() -> tzinfo:
    found = datetime.now().astimezone().tzinfo
    return found if found is not None else ZoneInfo("UTC")
