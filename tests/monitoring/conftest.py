"""The monitoring suite's shared servers: the test CA and its certificates."""

from __future__ import annotations

import pytest

from tests.servers.mail_tls import MailPki, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> MailPki:
    return make_pki(tmp_path_factory.mktemp("pki"))
