"""Running every check: one domain, many domains on one client, large runs across processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from penguin_desktop.core.domains.dns import blacklists as bl
from penguin_desktop.core.domains.dns.checks.blacklists import check_blacklists
from penguin_desktop.core.domains.dns.checks.dkim import check_dkim
from penguin_desktop.core.domains.dns.checks.dmarc import check_dmarc
from penguin_desktop.core.domains.dns.checks.mta_sts import check_mta_sts
from penguin_desktop.core.domains.dns.checks.mx import check_mx
from penguin_desktop.core.domains.dns.checks.ptr import check_ptr
from penguin_desktop.core.domains.dns.checks.spf import check_spf
from penguin_desktop.core.domains.dns.checks.tls_rpt import check_tls_rpt
from penguin_desktop.core.domains.dns.findings import DomainReport, score
from penguin_desktop.core.domains.dns.records import DomainSpec
from penguin_desktop.core.domains.dns.resolver import DnsClient, ResolverConfig
from penguin_desktop.core.platform.errors import Cancelled

CHECKS: tuple[Callable[[DnsClient, DomainSpec], object], ...] = (
    check_spf,
    check_dkim,
    check_dmarc,
    check_mx,
    check_ptr,
    check_mta_sts,
    check_tls_rpt,
)
PARALLEL_FROM = 200  # below this, starting worker processes costs more than it saves
SHARD = 50


async def check_domain(
    client: DnsClient, spec: DomainSpec, lists: Sequence[bl.Blacklist] = ()
) -> DomainReport:
    parts = [
        check_spf(client, spec),
        check_dkim(client, spec),
        check_dmarc(client, spec),
        check_mx(client, spec),
        check_ptr(client, spec),
        check_mta_sts(client, spec),
        check_tls_rpt(client, spec),
    ]
    if lists:
        parts.append(check_blacklists(client, spec, lists))
    results = await asyncio.gather(*parts)
    findings = tuple(f for part in results for f in part)
    value, breakdown = score(findings)
    return DomainReport(spec.workspace, spec.name, value, findings, breakdown)


async def check_domains(
    specs: Sequence[DomainSpec],
    config: ResolverConfig,
    lists: Sequence[bl.Blacklist] = (),
    on_done: Callable[[int, int], None] | None = None,
) -> list[DomainReport]:
    """Check many domains concurrently with one shared client (shared includes, PTRs and
    mail hosts are looked up once)."""
    client = DnsClient(config)
    done = 0

    async def one(spec: DomainSpec) -> DomainReport:
        nonlocal done
        report = await check_domain(client, spec, lists)
        done += 1
        if on_done is not None:
            on_done(done, len(specs))
        return report

    try:
        return list(await asyncio.gather(*(one(s) for s in specs)))
    finally:
        client.close()


def _check_shard(
    specs: Sequence[DomainSpec], config: ResolverConfig, lists: Sequence[bl.Blacklist]
) -> list[DomainReport]:
    return asyncio.run(check_domains(specs, config, lists))


def run_checks(
    specs: Sequence[DomainSpec],
    config: ResolverConfig,
    lists: Sequence[bl.Blacklist] = (),
    on_done: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int | None = None,
) -> list[DomainReport]:
    """Synchronous entry point for services (each call owns its event loop).

    Parsing DNS messages with dnspython costs more CPU than the network wait, so large runs
    are split into shards checked by worker processes, one per core.
    """
    count = min(os.cpu_count() or 1, 4) if workers is None else workers
    if count < 2 or (workers is None and len(specs) < PARALLEL_FROM):
        if cancelled is not None and cancelled():
            raise Cancelled("check cancelled before it started")
        return asyncio.run(check_domains(specs, config, lists, on_done))
    return _run_in_workers(specs, config, lists, count, on_done, cancelled)


def _run_in_workers(
    specs: Sequence[DomainSpec],
    config: ResolverConfig,
    lists: Sequence[bl.Blacklist],
    count: int,
    on_done: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> list[DomainReport]:
    """Workers come from a fork server (safe in a process with threads, like the GUI);
    progress is reported and cancellation honoured shard by shard."""
    total = len(specs)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([__name__])  # workers fork with dnspython imported
    size = min(SHARD, max(1, -(-total // count)))
    shards = [list(specs[i : i + size]) for i in range(0, total, size)]
    results: dict[int, list[DomainReport]] = {}
    done = 0
    with ProcessPoolExecutor(count, mp_context=context) as pool:
        futures = {
            pool.submit(_check_shard, shard, config, lists): i for i, shard in enumerate(shards)
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += len(results[futures[future]])
            if on_done is not None:
                on_done(done, total)
            if cancelled is not None and cancelled():
                for pending in futures:
                    pending.cancel()
                raise Cancelled(f"check cancelled after {done} of {total} domains")
    return [report for i in range(len(shards)) for report in results[i]]
