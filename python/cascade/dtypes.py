"""The types of the output schema's columns in polars and pandas.

The schema (``crates/runner/src/schema.rs``) gives every column of every
table one of seven types, and every run directory's ``dictionary.csv``
names each column's type; these two maps are the one place that says what
each type becomes in Python. They are read by the package (``cascade.load``)
and by ``tests/python/test_tables.py`` (which loads this file on its own,
without the compiled package, so it imports nothing but polars).
"""

from __future__ import annotations

import polars as pl

#: The schema's column type -> the polars dtype of the column.
POLARS: dict[str, type[pl.DataType]] = {
    "day": pl.Float64,
    "float": pl.Float64,
    "count": pl.UInt64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
    "text": pl.String,
    "name": pl.String,
}

#: The schema's column type -> the pandas dtype of the column, with pandas'
#: nullable dtypes (a count column with empty values stays an unsigned
#: integer instead of becoming float64).
PANDAS: dict[str, str] = {
    "day": "Float64",
    "float": "Float64",
    "count": "UInt64",
    "integer": "Int64",
    "boolean": "boolean",
    "text": "string",
    "name": "string",
}

__all__ = ["PANDAS", "POLARS"]
