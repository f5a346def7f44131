"""Import and export of the catalog in the exchange format of docs/catalog-format.md (JSON, XLSX).

An import is all or nothing: everything is validated first and every problem is reported with
its place (``procedures[3].documents[1].name`` in JSON, ``Giấy tờ!B7`` in a workbook); only a
clean file is written, in a few bulk statements, with one audit event for the whole import.

By stage: ``format`` (keys, sheets, columns, places), ``reading`` (parsing and checking an
import; ``workbook`` turns a workbook into the JSON shape), ``writing`` (applying a checked
import), ``exporting``.
"""

from cqs.catalog.exchange.exporting import catalog_export_json, catalog_export_xlsx, version_exchange_dict
from cqs.catalog.exchange.format import FORMAT, json_place
from cqs.catalog.exchange.reading import catalog_import_json, catalog_import_xlsx
from cqs.catalog.exchange.writing import ImportResult

__all__ = [
    "FORMAT",
    "ImportResult",
    "catalog_export_json",
    "catalog_export_xlsx",
    "catalog_import_json",
    "catalog_import_xlsx",
    "json_place",
    "version_exchange_dict",
]
