"""Loading the synthetic corpus into a dedicated PostgreSQL database by COPY, resumably.

The database is migrated like any other (so every constraint and trigger of
the product is in place) and filled chunk by chunk, each chunk in one
transaction together with its line in ``bench_corpus_progress``: a load that
is interrupted starts again after the last committed chunk and writes the same
rows an uninterrupted one would have. Foreign keys and check constraints are
checked as rows arrive; the event log is only ever inserted into, which its
append-only trigger allows.

Besides the product's own tables, the loader fills what the reads depend on:
the matcher's index (``ClaimIndex``), its postings (``ClaimTerm``, whose
(term, claim) index is built once after the load, as random-order inserts into
it are slow) and the document counts (``TermStat``), then sequences and
``VACUUM ANALYZE``. Embeddings of generated claims are random unit vectors:
embedding a million texts would take hours on two cores.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import stories
from .stories import CHUNK_ARTICLES, CLAIMS_PER_ARTICLE, Counters, World

PROGRESS_TABLE = "bench_corpus_progress"
CORPUS_VERSION = 1


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"database name {name!r}: use letters, digits and underscores")
    return urlunsplit(parts._replace(path="/postgres")), name


def create_database(url: str, *, drop: bool) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", file=sys.stderr)


def setup_django(url: str) -> None:
    """Django on the bench database with the product's own settings, migrated."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    migrate()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _progress() -> dict[str, Any] | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (id int PRIMARY KEY, state jsonb NOT NULL)"
        )
        cursor.execute(f"SELECT state FROM {PROGRESS_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _save_progress(state: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PROGRESS_TABLE} (id, state) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            [json.dumps(state, default=str)],
        )


def load_corpus(url: str, *, claims: int, seed: int = 7, keep: bool = False) -> dict[str, Any]:
    """Fill (or reuse, or resume) the corpus of ``claims`` claims; returns the progress record.

    With ``keep``, a database already loaded to this size and seed is reused as
    it is; without it, it is loaded again from scratch. A load that stopped
    half-way is resumed either way.
    """
    if claims % (CLAIMS_PER_ARTICLE * 10) or claims < CLAIMS_PER_ARTICLE * 10:
        raise SystemExit(f"--claims must be a positive multiple of {CLAIMS_PER_ARTICLE * 10}")
    spec = {"claims": claims, "seed": seed, "version": CORPUS_VERSION}
    create_database(url, drop=False)
    setup_django(url)
    state = _progress()
    if (
        state is not None
        and state["spec"] == spec
        and ((state["finished"] and keep) or not state["finished"])
    ):
        if state["finished"]:
            print(f"reusing the loaded corpus ({claims:,} claims)", file=sys.stderr)
            migrate()  # migrations added since the load (each fills what it adds)
            return state
        print(f"resuming after chunk {state['chunks_done']} of {state['chunks']}", file=sys.stderr)
    else:
        from django.db import connection

        connection.close()
        create_database(url, drop=True)
        migrate()
        _progress()
        state = _start(spec)
    _load_chunks(state)
    _finish(state)
    return state


def _start(spec: dict[str, Any]) -> dict[str, Any]:
    state = create_cast(spec)
    _postings_constraint(drop=True)
    _save_progress(state)
    return state


def create_cast(spec: dict[str, Any]) -> dict[str, Any]:
    """The cast every chunk shares, created through the ORM (a few hundred rows); the new state."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from claims import ratings, roles
    from claims.models import Outlet, Rating
    from integrations.services import create_integration

    from . import text

    with transaction.atomic():
        outlets = Outlet.objects.bulk_create(
            [Outlet(name=name, domain=domain) for name, domain in text.outlet_names()]
        )
        people: dict[str, list[int]] = {}
        for role, prefix, count in ((roles.REVIEWER, "reviewer", 40), (roles.EDITOR, "editor", 8)):
            group, _ = Group.objects.get_or_create(name=role)
            people[role] = []
            for i in range(1, count + 1):
                user = User(username=f"{prefix}{i:02d}", email=f"{prefix}{i:02d}@desk.example")
                user.set_unusable_password()
                user.save()
                user.groups.add(group)
                people[role].append(user.pk)
        integration, _ = create_integration(name="National CMS")
        ratings.ensure_scale()
        scale = {r.name: (r.pk, r.leads_to, r.label) for r in Rating.objects.all()}
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    articles = spec["claims"] // CLAIMS_PER_ARTICLE
    state = {
        "spec": spec,
        "articles": articles,
        "chunks": -(-articles // CHUNK_ARTICLES),
        "chunks_done": 0,
        "finished": False,
        "anchor": anchor.isoformat(),
        "world": {
            "outlets": [o.pk for o in outlets],
            "reviewers": people[roles.REVIEWER],
            "editors": people[roles.EDITOR],
            "integration": integration.pk,
            "ratings": scale,
        },
        "counters": asdict(Counters()),
        "started": time.time(),
    }
    return state


def world_of(state: dict[str, Any]) -> World:
    w = state["world"]
    return World(
        seed=state["spec"]["seed"],
        articles=state["articles"],
        anchor=datetime.fromisoformat(state["anchor"]),
        span=timedelta(days=365),
        outlets=w["outlets"],
        reviewers=w["reviewers"],
        editors=w["editors"],
        integration=w["integration"],
        ratings={k: tuple(v) for k, v in w["ratings"].items()},
    )


def _produce(world: World, first: int, last: int, counters: Counters, out: Any) -> None:
    """The rows of chunks ``first`` to ``last - 1``, in order (run in a child process)."""
    from claims import matching

    from .tables import derive_claims

    for chunk in range(first, last):
        rows = stories.chunk_rows(world, chunk, counters)
        index_rows = derive_claims(rows)
        postings = [(matching.term_id(term), row["claim_id"]) for row in index_rows for term in row["terms"]]
        out.put((chunk, rows, index_rows, postings, asdict(counters)))


def _load_chunks(state: dict[str, Any]) -> None:
    """Chunks are generated in a child process while this one COPYs the previous chunk.

    Foreign-key triggers are off while a chunk is copied (``session_replication_role``):
    checking each of the fifteen million postings and three million appearances and events
    one row at a time would double the load. Every foreign key is verified afterwards in one
    pass per key (``verify_foreign_keys``); check constraints stay on throughout.
    """
    import multiprocessing

    from django.db import connection, transaction
    from tqdm import tqdm

    from .tables import write_chunk

    if state["chunks_done"] >= state["chunks"]:
        return
    world = world_of(state)
    connection.close()  # the child inherits no connection
    queue = multiprocessing.get_context("fork").Queue(maxsize=2)
    producer = multiprocessing.get_context("fork").Process(
        target=_produce,
        args=(world, state["chunks_done"], state["chunks"], Counters(**state["counters"]), queue),
        daemon=True,
    )
    producer.start()
    bar = tqdm(
        total=state["chunks"],
        initial=state["chunks_done"],
        unit="chunk",
        desc=f"loading {state['spec']['claims']:,} claims",
        file=sys.stderr,
        smoothing=0.1,
    )
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET default_toast_compression = 'lz4'")
        cursor.execute("SET session_replication_role = replica")
    try:
        for _ in range(state["chunks_done"], state["chunks"]):
            chunk, rows, index_rows, postings, counters = _next_chunk(queue, producer)
            with transaction.atomic():
                write_chunk(rows, index_rows, postings)
                state["chunks_done"] = chunk + 1
                state["counters"] = counters
                _save_progress(state)
            bar.update(1)
    finally:
        producer.terminate()
        bar.close()
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def _next_chunk(queue: Any, producer: Any) -> Any:
    import queue as queues

    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not producer.is_alive():
                raise SystemExit("the corpus generator stopped (its traceback is above)") from None


def verify_foreign_keys() -> None:
    """Every foreign key of the product's tables points at a row: one anti-join per key."""
    from django.apps import apps
    from django.db import connection, models

    with connection.cursor() as cursor:
        for model in apps.get_models():
            for f in model._meta.concrete_fields:
                if not isinstance(f, models.ForeignKey) or not getattr(f, "db_constraint", True):
                    continue
                parent = f.related_model._meta
                cursor.execute(
                    f'SELECT count(*) FROM "{model._meta.db_table}" c WHERE c."{f.column}" IS NOT NULL '
                    f'AND NOT EXISTS (SELECT 1 FROM "{parent.db_table}" p '
                    f'WHERE p."{f.target_field.column}" = c."{f.column}")'
                )
                dangling = cursor.fetchone()[0]
                if dangling:
                    raise SystemExit(f"{dangling} rows of {model._meta.db_table}.{f.column} point nowhere")


def _postings_constraint(*, drop: bool) -> None:
    """Drop the (term, claim) unique index for the load, or build it (once, sorted) after it."""
    from django.db import connection

    from claims.models import ClaimTerm

    constraint = next(c for c in ClaimTerm._meta.constraints if c.name == "claimterm_term_claim_unique")
    table = ClaimTerm._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [constraint.name])
        exists = cursor.fetchone() is not None
        if drop and exists:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint.name}"')
        if drop or exists:
            return
        cursor.execute("SET maintenance_work_mem = '1GB'")
    print("building the postings index", file=sys.stderr)
    with connection.schema_editor() as editor:
        editor.add_constraint(ClaimTerm, constraint)


def _finish(state: dict[str, Any]) -> None:
    """Document counts, the postings index, sequences past the loaded ids, fresh planner statistics."""
    from django.apps import apps
    from django.db import connection

    from claims import matching
    from claims.models import ClaimTerm, TermStat

    if state["finished"]:
        return
    started = time.monotonic()
    print("verifying foreign keys", file=sys.stderr)
    verify_foreign_keys()
    term_t, stat_t = ClaimTerm._meta.db_table, TermStat._meta.db_table
    with connection.cursor() as cursor:
        print("counting document frequencies", file=sys.stderr)
        cursor.execute(f"TRUNCATE {stat_t}")
        cursor.execute(f"INSERT INTO {stat_t} (term, df) SELECT term, count(*) FROM {term_t} GROUP BY term")
        cursor.execute(
            f"INSERT INTO {stat_t} (term, df) SELECT %s, count(*) FROM claims_claimindex",
            [matching.DOC_COUNT_TERM],
        )
    _postings_constraint(drop=False)
    with connection.cursor() as cursor:
        for model in apps.get_models():
            pk = model._meta.pk
            if pk is None or pk.get_internal_type() not in ("AutoField", "BigAutoField"):
                continue
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"GREATEST((SELECT max({pk.column}) FROM {table}), 1))",
                [table, pk.column],
            )
        print("vacuum analyze", file=sys.stderr)
        cursor.execute("VACUUM ANALYZE")
    state["finished"] = True
    state["load_seconds"] = round(time.time() - float(state["started"]))
    _save_progress(state)
    print(
        f"corpus ready: {state['spec']['claims']:,} claims, {state['articles']:,} articles "
        f"({state['load_seconds']} s; last step {time.monotonic() - started:.0f} s)",
        file=sys.stderr,
    )
