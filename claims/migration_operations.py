"""Migration operations that build on every database the product runs on.

PostgreSQL (production, CI) builds an index in the order a query asks for,
``NULLS LAST`` included; SQLite (the quickstart) orders NULLs in an index's
columns but refuses the ``NULLS LAST`` clause in ``CREATE INDEX``. The index
below is built as written on PostgreSQL and without the NULLs clause
elsewhere, so ``make run`` migrates a fresh SQLite file.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


def without_nulls_order(index: models.Index) -> models.Index:
    """The same index with ``nulls_first``/``nulls_last`` dropped from its ordered expressions."""
    expressions: list[Any] = []
    for expression in index.expressions:
        if isinstance(expression, models.OrderBy):
            expression = models.OrderBy(expression.expression, descending=expression.descending)
        expressions.append(expression)
    return models.Index(
        *expressions,
        name=index.name,
        condition=index.condition,
        include=index.include,
        db_tablespace=index.db_tablespace,
    )


class AddOrderedIndex(migrations.AddIndex):
    """``AddIndex`` whose NULLs ordering is kept where the database can build it (PostgreSQL)."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, without_nulls_order(self.index))
