"""What identifying a caller costs per request, by path: `python -m bench.auth_costs`.

Medians of 5 runs of 2,000 calls each, in-process: the app verifying a token itself
(RS256 2048-bit, ES256 P-256, PyJWT), reading claims API Gateway verified, an API key
(memory repository, so the storage read is left out), and AUTH_MODE=none.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from tests.auth_support import AUDIENCE, EC_KEY, ISSUER, RSA_KEY, pem, token

from shortstack.adapters.jwt_verifier import JwtVerifier
from shortstack.adapters.memory.apikeys import MemoryApiKeyRepository
from shortstack.domain.auth import Principal
from shortstack.service_layer.apikeys import ApiKeysService
from shortstack.service_layer.auth import Authenticator


def microseconds_per_call(call: Callable[[], object], calls: int = 2000) -> float:
    """Median time of one call over 5 timed runs, after a warm-up."""
    for _ in range(100):
        call()
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        runs.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(runs)


def main() -> None:
    rsa = JwtVerifier(ISSUER, (AUDIENCE,), public_key=pem(RSA_KEY))
    ec = JwtVerifier(ISSUER, (AUDIENCE,), public_key=pem(EC_KEY))
    rsa_token, ec_token = token(), token(key=EC_KEY, alg="ES256")
    keys = ApiKeysService(MemoryApiKeyRepository())
    _, secret = keys.create(Principal("a", "jwt"), "bench")
    claims = {"sub": "s", "iss": ISSUER, "client_id": AUDIENCE}
    auth = Authenticator(
        "jwt", keys, rsa, trust_gateway_claims=True, issuer=ISSUER, audiences=(AUDIENCE,)
    )
    local = Authenticator("none", keys)
    for label, call in [
        ("RS256 token verified by the app", lambda: rsa.claims(rsa_token)),
        ("ES256 token verified by the app", lambda: ec.claims(ec_token)),
        ("claims API Gateway verified", lambda: auth.authenticate("Bearer x", claims)),
        ("API key (memory repository)", lambda: auth.authenticate(f"Bearer {secret}")),
        ("AUTH_MODE=none", lambda: local.authenticate(None)),
    ]:
        print(f"{label:34} {microseconds_per_call(call):8.2f} us")


if __name__ == "__main__":
    main()
