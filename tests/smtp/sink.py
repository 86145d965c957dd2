#!/usr/bin/env python3
"""A loopback SMTP sink for Midad's newsletter tests.

It accepts every message sent to it over plain SMTP on 127.0.0.1 (no TLS, no
AUTH) and records it on disk for the test to read; nothing is ever relayed.
See tests/smtp/README.md for what it records and how to run it by hand.

Once listening it prints exactly one line, ``listening 127.0.0.1:PORT``, to
stdout, and then prints nothing more there.  It runs until it is killed; on
SIGTERM or SIGINT (or, with --exit-on-stdin-eof, when its standard input
closes) it writes its final counts and exits with status 0.

Every reply of ``250`` to DATA is sent only after the delivery has been
written out (to the kernel, without fsync), so "the sender saw 250" and "the
sink recorded it" are the same event, even if the sink is SIGKILLed later.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import email
import email.policy
import json
import os
import re
import signal
import sys
import threading
import time

try:
    from aiosmtpd.smtp import SMTP
except ImportError as _error:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "midad smtp sink: the Python package aiosmtpd is not installed "
        f"({_error}).\nInstall it with: "
        "python3 -m pip install -r tests/smtp/requirements.txt\n"
    )
    sys.exit(3)

HOSTNAME = "midad-smtp-sink"
LOG_NAME = "log.jsonl"
REJECTED_NAME = "rejected.jsonl"
COUNTS_NAME = "counts.json"
MESSAGE_FILE = re.compile(r"^([0-9]+)\.json$")
SEQ_WIDTH = 10


def now_rfc3339() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds").replace(
        "+00:00", "Z"
    )


def bare_address(address: str) -> str:
    address = address.strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1]
    return address.lower()


class FailRule:
    """``ADDR=CODE[:COUNT]``: reply CODE to RCPT TO:<ADDR>, the first COUNT times."""

    def __init__(self, spec: str):
        try:
            address, rest = spec.rsplit("=", 1)
            code, _, count = rest.partition(":")
            self.code = int(code)
            self.remaining = int(count) if count else None
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"--fail wants ADDR=CODE[:COUNT], e.g. bounce@example.com=550, got {spec!r}"
            ) from None
        if not 400 <= self.code <= 599:
            raise argparse.ArgumentTypeError(f"--fail code must be 4xx or 5xx, got {self.code}")
        if self.remaining is not None and self.remaining < 0:
            raise argparse.ArgumentTypeError(f"--fail count must be >= 0, got {self.remaining}")
        self.address = bare_address(address)

    def take(self) -> int | None:
        """The code to reply with this time, or None once the rule is used up."""
        if self.remaining is None:
            return self.code
        if self.remaining == 0:
            return None
        self.remaining -= 1
        return self.code

    def reply(self) -> str:
        code = self.take()
        if code is None:
            return ""
        if code >= 500:
            return f"{code} 5.1.1 <{self.address}>: recipient rejected by the test sink (--fail)"
        return f"{code} 4.2.0 <{self.address}>: recipient deferred by the test sink (--fail)"


def scan_header_block(data: bytes) -> dict[str, str]:
    """The first Message-ID and Subject of a message, without a full parse.

    Used by --count-only, where parsing 100,000 messages with the email
    package would cost more than the SMTP conversation itself."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    block = data if end < 0 else data[:end]
    found: dict[str, str] = {}
    current: str | None = None
    value: list[str] = []

    def finish() -> None:
        if current is not None and current not in found:
            found[current] = "".join(value).strip()

    for line in block.decode("utf-8", "replace").splitlines():
        if line[:1] in (" ", "\t"):
            if current is not None:
                value.append(line)
            continue
        finish()
        name, colon, rest = line.partition(":")
        name = name.strip().lower()
        if colon and name in ("message-id",):
            current, value = name, [rest]
        else:
            current, value = None, []
    finish()
    return found


def unfold(raw: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", raw).strip()


def text_of(part) -> str | None:
    if part is None:
        return None
    try:
        content = part.get_content()
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
    except Exception:  # malformed part: still give the test something to read
        payload = part.get_payload(decode=True) or b""
        try:
            content = payload.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:  # an unknown charset
            content = payload.decode("utf-8", "replace")
    # The wire has CRLF; tests compare with "\n".
    return content.replace("\r\n", "\n")


def parse_message(data: bytes) -> dict:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    headers = []
    raw_headers: dict[str, str] = {}
    for name, raw in msg.raw_items():
        try:
            decoded = str(msg.policy.header_fetch_parse(name, raw))
        except Exception:
            decoded = unfold(str(raw))
        headers.append([name, decoded])
        raw_headers.setdefault(name.lower(), unfold(str(raw)))

    def first_decoded(name: str) -> str | None:
        for key, value in headers:
            if key.lower() == name:
                return value
        return None

    try:
        plain = msg.get_body(preferencelist=("plain",))
    except Exception:
        plain = None
    try:
        html = msg.get_body(preferencelist=("html",))
    except Exception:
        html = None
    return {
        "headers": headers,
        "subject": first_decoded("subject"),
        "message_id": raw_headers.get("message-id"),
        "list_unsubscribe": raw_headers.get("list-unsubscribe"),
        "list_unsubscribe_post": raw_headers.get("list-unsubscribe-post"),
        "text": text_of(plain),
        "html": text_of(html),
    }


def append_fd(path: str) -> int:
    """Opens an append-only log; repairs a last line cut off by an earlier kill."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    size = os.fstat(fd).st_size
    if size:
        with open(path, "rb") as existing:
            existing.seek(size - 1)
            if existing.read(1) != b"\n":
                os.write(fd, b"\n")
    return fd


def write_atomically(directory: str, name: str, data: bytes) -> None:
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, os.path.join(directory, name))


class Recorder:
    """The aiosmtpd handler: decides RCPT replies and records deliveries."""

    def __init__(self, out: str, fail_rules: list[FailRule], count_only: bool):
        self.out = out
        self.count_only = count_only
        self.fail_rules: dict[str, FailRule] = {}
        for rule in fail_rules:
            self.fail_rules[rule.address] = rule
        os.makedirs(out, exist_ok=True)
        self.seq = self._last_seq()
        self.counts: dict[str, int] = {}
        self.deliveries = 0
        self.counts_written_at = -1
        self._resume_log()
        self.log_fd = append_fd(os.path.join(out, LOG_NAME))
        self.rejected_fd = append_fd(os.path.join(out, REJECTED_NAME))

    def _last_seq(self) -> int:
        last = 0
        for name in os.listdir(self.out):
            m = MESSAGE_FILE.match(name)
            if m:
                last = max(last, int(m.group(1)))
        return last

    def _resume_log(self) -> None:
        """A sink restarted on the same directory goes on counting from its log."""
        try:
            with open(os.path.join(self.out, LOG_NAME), "rb") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # a last line cut off by a kill
                    self.seq = max(self.seq, entry.get("seq", 0))
                    self.counts[entry["rcpt"]] = self.counts.get(entry["rcpt"], 0) + 1
                    self.deliveries += 1
        except FileNotFoundError:
            pass

    # --- aiosmtpd hooks -------------------------------------------------

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # aiosmtpd reads commands one by one from a buffered stream, so
        # pipelined commands (RFC 2920) work; say so.
        return responses[:-1] + ["250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = self.fail_rules.get(bare_address(address))
        if rule is not None:
            reply = rule.reply()
            if reply:
                line = json.dumps(
                    {
                        "rcpt": address,
                        "code": int(reply[:3]),
                        "mail_from": envelope.mail_from,
                        "at": now_rfc3339(),
                    },
                    ensure_ascii=False,
                )
                os.write(self.rejected_fd, line.encode() + b"\n")
                return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or b""
        received_at = now_rfc3339()
        rcpts = list(envelope.rcpt_tos)
        if self.count_only:
            message_id = scan_header_block(data).get("message-id")
            parsed = None
        else:
            parsed = parse_message(data)
            message_id = parsed["message_id"]
        log_lines = []
        for rcpt in rcpts:
            self.seq += 1
            if parsed is not None:
                record = {
                    "seq": self.seq,
                    "mail_from": envelope.mail_from,
                    "rcpt": rcpt,
                    "envelope_rcpts": rcpts,
                    "received_at": received_at,
                    **parsed,
                    "size": len(data),
                    "raw": data.decode("utf-8", "replace"),
                }
                write_atomically(
                    self.out,
                    f"{self.seq:0{SEQ_WIDTH}d}.json",
                    json.dumps(record, ensure_ascii=False).encode(),
                )
            log_lines.append(
                json.dumps(
                    {
                        "seq": self.seq,
                        "rcpt": rcpt,
                        "message_id": message_id,
                        "mail_from": envelope.mail_from,
                        "received_at": received_at,
                        "size": len(data),
                    },
                    ensure_ascii=False,
                )
            )
            self.counts[rcpt] = self.counts.get(rcpt, 0) + 1
            self.deliveries += 1
        # One write per message: the lines reach the kernel before the 250.
        os.write(self.log_fd, ("\n".join(log_lines) + "\n").encode())
        return "250 OK: recorded"

    # --- counts.json ----------------------------------------------------

    def write_counts(self) -> float:
        if self.counts_written_at == self.deliveries:
            return 0.0
        started = time.perf_counter()
        self.counts_written_at = self.deliveries
        write_atomically(
            self.out,
            COUNTS_NAME,
            json.dumps(self.counts, ensure_ascii=False, sort_keys=True).encode(),
        )
        return time.perf_counter() - started

    async def keep_counts(self) -> None:
        while True:
            spent = self.write_counts()
            # Every 200 ms, but never more than ~10% of the loop's time when
            # there are many recipients; log.jsonl is always current anyway.
            await asyncio.sleep(max(0.2, spent * 10))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Loopback SMTP sink for Midad's newsletter tests (never relays)."
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    p.add_argument("--out", required=True, help="directory to record deliveries in")
    p.add_argument(
        "--fail",
        action="append",
        default=[],
        type=FailRule,
        metavar="ADDR=CODE[:COUNT]",
        help="reply CODE to RCPT TO:<ADDR>, the first COUNT times (default: always); repeatable",
    )
    p.add_argument(
        "--count-only",
        action="store_true",
        help="write no per-message JSON, only log.jsonl and counts.json",
    )
    p.add_argument(
        "--max-size",
        type=int,
        default=64 * 1024 * 1024,
        help="largest message accepted, in bytes (default 64 MiB)",
    )
    p.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when standard input closes (so the sink dies with the test that started it)",
    )
    return p.parse_args(argv)


def watch_stdin(loop: asyncio.AbstractEventLoop, stopping: asyncio.Event) -> None:
    """Sets `stopping` once standard input reaches end of file (its writer is gone)."""
    fd = sys.stdin.fileno()

    def readable() -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            loop.remove_reader(fd)
            stopping.set()

    try:
        os.set_blocking(fd, False)
        loop.add_reader(fd, readable)
    except (OSError, ValueError, PermissionError):
        # Not a pipe or socket (a file, a terminal on some systems): a plain blocking
        # read in a thread, on the raw descriptor so that exiting never waits on it.
        os.set_blocking(fd, True)

        def wait_for_eof() -> None:
            try:
                while os.read(fd, 65536):
                    pass
            except OSError:
                pass
            loop.call_soon_threadsafe(stopping.set)

        threading.Thread(target=wait_for_eof, name="stdin-eof", daemon=True).start()


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    recorder = Recorder(os.path.abspath(args.out), args.fail, args.count_only)

    def make_protocol() -> SMTP:
        return SMTP(
            recorder,
            hostname=HOSTNAME,
            data_size_limit=args.max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            timeout=600,
            loop=loop,
        )

    server = await loop.create_server(make_protocol, args.host, args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]

    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    if args.exit_on_stdin_eof:
        watch_stdin(loop, stopping)

    counts_task = loop.create_task(recorder.keep_counts()) if args.count_only else None

    sys.stdout.write(f"listening {args.host}:{port}\n")
    sys.stdout.flush()

    await stopping.wait()
    server.close()
    if counts_task is not None:
        counts_task.cancel()
        recorder.write_counts()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
