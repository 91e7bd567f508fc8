"""A deterministic synthetic newsroom corpus for the scale benchmarks, loaded into PostgreSQL.

    python -m bench.corpus postgres://postgres@127.0.0.1:5432/factcheck_api_bench --claims 1000000 [--keep]

``text`` writes the sentences and articles, ``stories`` decides what happens
to each chunk's articles and claims (repeats, variants, reviews, events) and
``tables``/``load`` put the rows in the product's tables by COPY.
"""

from .load import load_corpus

__all__ = ["load_corpus"]
