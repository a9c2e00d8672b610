"""Outside systems: one package per system (exports, imports, feeds)."""
