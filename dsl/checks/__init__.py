"""The checks behind `dsl.check`, one module per concern: the table of finding
kinds (`codes`), expressions and their types, strategy clauses and the fallback
chain, and effective windows (which strategy can ever be chosen)."""
