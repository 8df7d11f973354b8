"""The `penguin` group: shared options, the command areas, and errors turned into words and
exit codes in this one place."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import Any

import click

from penguin_desktop import __version__, log
from penguin_desktop.cli.commands.alert import alert
from penguin_desktop.cli.commands.audit import audit
from penguin_desktop.cli.commands.backup import backup
from penguin_desktop.cli.commands.billing import billing
from penguin_desktop.cli.commands.billing_plans import flags, plan
from penguin_desktop.cli.commands.campaign import campaign
from penguin_desktop.cli.commands.domain import dns, domain
from penguin_desktop.cli.commands.lead import lead
from penguin_desktop.cli.commands.lead_rules import compliance, suppression
from penguin_desktop.cli.commands.mailbox import mailbox
from penguin_desktop.cli.commands.member import member
from penguin_desktop.cli.commands.monitor import monitor
from penguin_desktop.cli.commands.notifier import notifier
from penguin_desktop.cli.commands.secrets import secrets
from penguin_desktop.cli.commands.server import server
from penguin_desktop.cli.commands.setup import init, roles
from penguin_desktop.cli.commands.unsubscribe import unsubscribe
from penguin_desktop.cli.commands.user import login_activity, user
from penguin_desktop.cli.commands.workspace import workspace
from penguin_desktop.cli.errors import phrase
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.state import CliState
from penguin_desktop.core.platform.errors import PenguinError

INTERNAL_ERROR = 1
logger = logging.getLogger("penguin_desktop.cli")
# Until `log.configure` runs (it needs the data directory), nothing may reach Python's
# last-resort handler, which prints tracebacks to stderr: errors are one line.
logging.getLogger("penguin_desktop").addHandler(logging.NullHandler())
logging.getLogger("paramiko").addHandler(logging.NullHandler())


class PenguinGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        state = ctx.ensure_object(CliState)
        try:
            return super().invoke(ctx)
        except PenguinError as exc:
            logger.info("command failed (exit %d): %s", exc.exit_code, exc.message)
            if state.debug:
                traceback.print_exc()
            click.echo(f"error: {log.scrub(phrase(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            _quiet_after_closed_pipe()
            ctx.exit(0)
        except OSError as exc:
            logger.info("command failed on a file or device: %s", exc)
            click.echo(f"error: {log.scrub(os_error(exc))}", err=True)
            ctx.exit(INTERNAL_ERROR)
        except Exception as exc:
            logger.exception("internal error")
            if state.debug:
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {log.scrub(str(exc))} "
                "(run again with --debug for details)",
                err=True,
            )
            ctx.exit(INTERNAL_ERROR)
        finally:
            state.close()


@click.group(cls=PenguinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="penguin")
@shared_options()
def cli() -> None:
    """PenguinMails Desktop: run cold-email infrastructure for many clients from one console.

    Identity comes from PENGUIN_USER and PENGUIN_PASSWORD, else --user and a password prompt.
    Exit codes: 0 ok, 1 bad input or not found, 2 usage, 3 permission denied,
    4 authentication failed or locked, 5 an outside service failed.
    """


for command in (
    init,
    roles,
    workspace,
    user,
    member,
    audit,
    backup,
    login_activity,
    secrets,
    domain,
    dns,
    server,
    mailbox,
    monitor,
    alert,
    notifier,
    billing,
    plan,
    flags,
    lead,
    suppression,
    compliance,
    unsubscribe,
    campaign,
):
    cli.add_command(command)


def os_error(exc: OSError) -> str:
    """An operating system's refusal in one sentence: what, on which file."""
    reason = exc.strerror or type(exc).__name__
    where = exc.filename if exc.filename is not None else None
    return f"cannot use {where}: {reason}" if where is not None else f"system error: {reason}"


def _quiet_after_closed_pipe() -> None:
    """The reader went away (`penguin audit list | head`): stop as other Unix tools do, without
    a word, and keep Python from complaining when it flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="penguin")


if __name__ == "__main__":
    main()
