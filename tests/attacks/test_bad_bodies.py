"""L2: a hostile body is a client's mistake: a clear 400, never a 500."""

from __future__ import annotations

import pytest
import requests

from tests.attacks.conftest import County


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/register"])
def test_json_nested_thousands_deep_is_a_bad_request(county: County, path: str) -> None:
    body = "[" * 5000 + "]" * 5000

    answer = requests.post(county.server.url + path, data=body, headers={"Content-Type": "application/json"},
                           timeout=30)

    assert answer.status_code == 400, answer.text[:200]
