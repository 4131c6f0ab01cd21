"""The v1 request signature, as the edge Worker will produce it."""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import signing  # noqa: E402
from signing import ReplayGuard, SignatureError, sign, verify  # noqa: E402

NONCE = "00112233445566778899aabbccddeeff"

SECRET = "test-secret"
TARGET = "/tools/csv_profile"
BODY = b'{"csv":"a\\n1\\n"}'
NOW = 1_700_000_000


def signed_headers(ts=NOW, body=BODY, target=TARGET, secret=SECRET) -> dict:
    return {"x-mcp-timestamp": str(ts), "x-mcp-nonce": NONCE, "x-mcp-signature": sign(secret, "POST", target, ts, NONCE, body)}


class KnownAnswer(unittest.TestCase):
    def test_signature_matches_a_vector_computed_with_openssl(self):
        # printf 'POST\n/tools/csv_profile\n1700000000\n<nonce>\n<sha256 of body>' | openssl dgst -sha256 -hmac test-secret
        self.assertEqual(
            signing.canonical_message("post", TARGET, NOW, NONCE, BODY),
            b"POST\n/tools/csv_profile\n1700000000\n00112233445566778899aabbccddeeff\n"
            b"994d38da9ba735c2a42969117b660a2a1f4b75020da0f9a8e4fa56d4126783a0",
        )
        self.assertEqual(
            sign(SECRET, "POST", TARGET, NOW, NONCE, BODY),
            "v1=1f1822b8c1bcd131c48d44fcc6166c1bdf9ad6f23ed283bec526346bac95fcd0",
        )


class Verification(unittest.TestCase):
    def setUp(self):
        self.guard = ReplayGuard()

    def check(self, headers: dict, *, method="POST", target=TARGET, body=BODY, now=NOW, secret=SECRET):
        return verify(method, target, headers, body, secret=secret, guard=self.guard, now=now)

    def assertRejected(self, reason_pattern: str, headers: dict, **kwargs) -> None:
        with self.assertRaisesRegex(SignatureError, reason_pattern) as caught:
            self.check(headers, **kwargs)
        self.assertNotIn(SECRET, caught.exception.reason)

    def test_a_correctly_signed_request_passes(self):
        result = self.check(signed_headers())
        self.assertEqual(result.timestamp, NOW)

    def test_header_names_are_case_insensitive_and_method_case_does_not_matter(self):
        headers = {"X-MCP-Timestamp": str(NOW), "X-MCP-Nonce": NONCE, "X-Mcp-Signature": sign(SECRET, "POST", TARGET, NOW, NONCE, BODY)}
        self.check(headers, method="post")

    def test_timestamps_within_sixty_seconds_either_way_pass(self):
        self.check(signed_headers(ts=NOW - 60))
        self.check(signed_headers(ts=NOW + 60))

    def test_stale_or_future_timestamps_are_rejected(self):
        self.assertRejected("stale or future timestamp", signed_headers(ts=NOW - 61))
        self.assertRejected("stale or future timestamp", signed_headers(ts=NOW + 61))

    def test_missing_headers_are_rejected(self):
        self.assertRejected("missing", {})
        self.assertRejected("missing", {"x-mcp-timestamp": str(NOW)})

    def test_malformed_headers_are_rejected(self):
        good = signed_headers()
        self.assertRejected("malformed x-mcp-timestamp", {**good, "x-mcp-timestamp": "1700000000.5"})
        self.assertRejected("malformed x-mcp-timestamp", {**good, "x-mcp-timestamp": "-5"})
        upper = "v1=" + good["x-mcp-signature"][3:].upper()
        self.assertRejected("malformed x-mcp-signature", {**good, "x-mcp-signature": upper})
        bare = good["x-mcp-signature"][3:]
        self.assertRejected("malformed x-mcp-signature", {**good, "x-mcp-signature": bare})

    def test_the_nonce_is_required_well_formed_and_signed(self):
        good = signed_headers()
        self.assertRejected("missing", {k: v for k, v in good.items() if k != "x-mcp-nonce"})
        self.assertRejected("malformed x-mcp-nonce", {**good, "x-mcp-nonce": "short"})
        self.assertRejected("signature mismatch", {**good, "x-mcp-nonce": "ffeeddccbbaa99887766554433221100"})

    def test_identical_calls_in_the_same_second_with_their_own_nonces_both_pass(self):
        other = "0123456789abcdef0123456789abcdef"
        self.check(signed_headers())
        self.check({"x-mcp-timestamp": str(NOW), "x-mcp-nonce": other, "x-mcp-signature": sign(SECRET, "POST", TARGET, NOW, other, BODY)})

    def test_anything_signed_differently_is_a_mismatch(self):
        self.assertRejected("signature mismatch", signed_headers(secret="other-secret"))
        self.assertRejected("signature mismatch", signed_headers(), body=BODY + b" ")
        self.assertRejected("signature mismatch", signed_headers(), target=TARGET + "?x=1")
        self.assertRejected("signature mismatch", signed_headers(), method="PUT")

    def test_the_timestamp_is_signed_as_sent(self):
        headers = signed_headers()
        headers["x-mcp-timestamp"] = "0" + headers["x-mcp-timestamp"]
        self.assertRejected("signature mismatch", headers)

    def test_an_exact_replay_is_rejected(self):
        headers = signed_headers()
        self.check(headers)
        self.assertRejected("replayed", headers, now=NOW + 30)

    def test_a_forged_signature_does_not_burn_the_real_one(self):
        headers = signed_headers()
        self.assertRejected("mismatch", headers, body=b"tampered")
        self.check(headers)

    def test_no_secret_configured_rejects_everything(self):
        self.assertRejected("no shared secret", signed_headers(), secret="")


class ReplayGuardMemory(unittest.TestCase):
    def test_entries_are_forgotten_once_their_window_has_passed(self):
        guard = ReplayGuard(window_seconds=60)
        self.assertTrue(guard.first_sighting("a", NOW, NOW))
        self.assertFalse(guard.first_sighting("a", NOW, NOW + 60))
        guard.first_sighting("b", NOW + 61, NOW + 61)
        self.assertEqual(len(guard), 1)  # "a" expired at NOW + 60

    def test_memory_is_bounded(self):
        guard = ReplayGuard(max_entries=3)
        for name in "abcde":
            guard.first_sighting(name, NOW, NOW)
        self.assertEqual(len(guard), 3)
        self.assertFalse(guard.first_sighting("e", NOW, NOW))


if __name__ == "__main__":
    unittest.main()
