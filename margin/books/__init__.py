"""The books: chart of accounts, the double-entry journal (balanced, immutable, hash-chained) and its reports."""
