"""Where things live: the data directory (platformdirs, or --data-dir / PENGUIN_DATA_DIR) and
the database URL (a SQLite file in it, or --db-url / PENGUIN_DB_URL)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "penguin-desktop"
DB_FILE = "workspace.db"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_url: str

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def is_embedded(self) -> bool:
        return self.db_url.startswith("sqlite")

    @classmethod
    def resolve(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        db_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """Explicit arguments win over the environment, which wins over the defaults."""
        env = os.environ if env is None else env
        chosen_dir = data_dir or env.get("PENGUIN_DATA_DIR") or user_data_dir(APP_NAME, False)
        directory = Path(chosen_dir).expanduser().resolve()
        url = db_url or env.get("PENGUIN_DB_URL") or f"sqlite:///{directory / DB_FILE}"
        return cls(data_dir=directory, db_url=url)
