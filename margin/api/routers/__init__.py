"""One router per domain. These modules do not use `from __future__ import annotations`: ninja reads
the parameter annotations (bounded ids, query schemas) when the routes are declared."""
