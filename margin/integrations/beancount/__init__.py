"""beancount (v3): the journal as a plain-text ledger that `bean-check` accepts. Written as text here; the
beancount package is only a test dependency that checks what we write."""
