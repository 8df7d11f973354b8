"""Qt item models over core domain objects (lazy, keyset-paged where tables get large)."""
