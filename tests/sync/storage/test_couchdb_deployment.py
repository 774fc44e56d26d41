"""The scaled-out deployment (docker/): no Docker engine runs here, so these check that the
compose file, nginx's configuration and the cluster setup script agree with each other and
with the gateway, and run the setup script against a recording stand-in for curl."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from sync.storage.couchdb.nodes import parse_nodes
from tests.conftest import ROOT

DOCKER = ROOT / "docker"
NODES = ["couchdb1", "couchdb2", "couchdb3"]
GATEWAYS = ["gateway1", "gateway2"]
ENV = {"COUCHDB_USER": "admin", "COUCHDB_PASSWORD": "pw", "COUCHDB_SECRET": "s", "COUCHDB_COOKIE": "c",
       "COUCHDB_UUID": "u", "PUBLIC_URL": "https://m.example", "SMTP_HOST": "smtp.example", "SMTP_PORT": "587",
       "SMTP_USER": "", "SMTP_PASSWORD": "", "MAIL_FROM": "m@example"}


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def interpolated(value: str) -> str:
    """Compose's ``${VAR}`` / ``${VAR:?message}`` with the example values."""
    return re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", lambda match: ENV[match.group(1)], value)


def test_three_couchdb_nodes_share_secret_and_cookie_with_their_own_names() -> None:
    services = compose()["services"]
    envs = [services[node]["environment"] for node in NODES]
    for node, env in zip(NODES, envs, strict=True):
        assert services[node]["image"] == "couchdb:3"
        assert env["NODENAME"] == services[node]["hostname"] == node
        assert services[node]["volumes"] == [f"{node}:/opt/couchdb/data"]
    for name in ("COUCHDB_SECRET", "ERL_FLAGS", "COUCHDB_USER", "COUCHDB_PASSWORD"):
        assert len({env[name] for env in envs}) == 1, name
    assert "-setcookie" in envs[0]["ERL_FLAGS"]
    assert set(compose()["volumes"]) == set(NODES)


def test_the_setup_runs_once_after_all_nodes_and_before_the_gateways() -> None:
    services = compose()["services"]
    setup = services["couchdb-setup"]
    assert setup["environment"]["COUCHDB_NODES"].split() == NODES
    assert set(setup["depends_on"]) == set(NODES)
    assert (DOCKER / "couchdb-setup.sh").exists() and setup["volumes"][0].startswith("./couchdb-setup.sh:")
    for gateway in GATEWAYS:
        assert services[gateway]["depends_on"]["couchdb-setup"]["condition"] == "service_completed_successfully"


def test_gateways_are_built_from_the_dockerfile_and_name_every_cluster_node() -> None:
    services = compose()["services"]
    firsts = []
    for name in [*GATEWAYS, "jobs"]:
        service = services[name]
        assert (DOCKER / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == \
            (DOCKER / "Dockerfile").resolve()
        nodes = parse_nodes(interpolated(service["environment"]["COUCHDB_URL"]))
        assert sorted(node.base for node in nodes) == [f"http://{node}:5984" for node in NODES], name
        assert all(node.auth == ("admin", "pw") for node in nodes), name
        firsts.append(nodes[0].base)
    assert len(set(firsts)) == len(firsts), "each starts at a node of its own"
    assert "EXPOSE 8000" in (DOCKER / "Dockerfile").read_text()


def test_nginx_balances_the_gateways_and_does_not_buffer_sync() -> None:
    conf = (DOCKER / "nginx.conf").read_text()
    upstream = re.search(r"upstream gateways \{(.*?)\}", conf, re.S)
    assert upstream is not None
    assert re.findall(r"server (\w+):(\d+)", upstream.group(1)) == [(gateway, "8000") for gateway in GATEWAYS]
    sync = re.search(r"location /sync/ \{(.*?)\}", conf, re.S)
    assert sync is not None
    assert "proxy_buffering off;" in sync.group(1)
    timeout = re.search(r"proxy_read_timeout (\d+)s;", sync.group(1))
    assert timeout and int(timeout.group(1)) > 60, "longer than the longest long-poll wait"
    proxy = compose()["services"]["proxy"]
    assert proxy["volumes"] == ["./nginx.conf:/etc/nginx/nginx.conf:ro"] and set(proxy["depends_on"]) == set(GATEWAYS)


def test_the_setup_script_joins_the_nodes_and_finishes_the_cluster(tmp_path: Path) -> None:
    """The script run with a stand-in curl that records each call and answers as a fresh
    cluster would: every body is JSON and the calls come in /_cluster_setup's order."""
    log = tmp_path / "calls.jsonl"
    fake = tmp_path / "curl"
    fake.write_text(f"""#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
url = next(a for a in args if a.startswith("http://"))
body = args[args.index("-d") + 1] if "-d" in args else None
with open({str(log)!r}, "a") as out:
    out.write(json.dumps({{"url": url, "method": args[args.index("-X") + 1] if "-X" in args else "GET",
                          "body": body}}) + "\\n")
calls = [json.loads(line) for line in open({str(log)!r})]
finished = any(c["body"] and '"finish_cluster"' in c["body"] for c in calls)
if url.endswith("/_cluster_setup") and "-X" in args and args[args.index("-X") + 1] == "GET":
    print(json.dumps({{"state": "cluster_finished" if finished else "cluster_disabled"}}))
else:
    print("{{}}")
""")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "COUCHDB_USER": "admin",
           "COUCHDB_PASSWORD": "pw", "COUCHDB_UUID": "u1", "COUCHDB_NODES": " ".join(NODES)}
    result = subprocess.run(["sh", str(DOCKER / "couchdb-setup.sh")], env=env, capture_output=True,  # noqa: S603,S607
                            text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    actions = [(json.loads(c["body"]).get("action"), json.loads(c["body"]).get("remote_node")
                or json.loads(c["body"]).get("host")) for c in calls if c["body"] and c["url"].endswith("_setup")]
    assert actions == [("enable_cluster", None), ("enable_cluster", "couchdb2"), ("add_node", "couchdb2"),
                       ("enable_cluster", "couchdb3"), ("add_node", "couchdb3"), ("finish_cluster", None)]
    uuids = [c for c in calls if c["url"].endswith("/_config/couchdb/uuid")]
    assert [c["url"].split("/")[2] for c in uuids] == [f"{node}:5984" for node in NODES]
    assert all(json.loads(c["body"]) == "u1" for c in uuids)
    assert all(c["url"].startswith("http://couchdb1:5984") for c in calls if c["url"].endswith("_setup"))

    again = subprocess.run(["sh", str(DOCKER / "couchdb-setup.sh")], env=env, capture_output=True,  # noqa: S603,S607
                           text=True, timeout=30, check=False)
    assert again.returncode == 0 and "already set up" in again.stdout


def test_every_gateway_and_the_jobs_send_mail_through_smtp_to_the_public_address() -> None:
    """Without an SMTP host a gateway writes mails to an outbox file (development): in the
    cluster every mail must leave, and links must name the public address, never a Host header."""
    services = compose()["services"]
    for name in [*GATEWAYS, "jobs"]:
        env = {key: interpolated(str(value)) for key, value in services[name]["environment"].items()}
        assert env["MITEINANDER_SMTP_HOST"] == "smtp.example", name
        assert env["MITEINANDER_PUBLIC_URL"] == "https://m.example", name
    example = dict(line.split("=", 1) for line in (DOCKER / "couchdb.env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    required = set(re.findall(r"\$\{(\w+):\?", (DOCKER / "docker-compose.yml").read_text()))
    assert required <= set(example), required - set(example)
