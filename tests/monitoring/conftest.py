"""The monitoring suite's shared servers: the test CA and its certificates, and the
PagerDuty and webhook receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.mail_tls import MailPki, make_pki
from tests.servers.pagerduty import PagerDutyServer, running_pagerduty
from tests.servers.webhook_receiver import WebhookReceiver, running_webhook_receiver


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> MailPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyServer]:
    with running_pagerduty() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with running_webhook_receiver() as server:
        yield server
