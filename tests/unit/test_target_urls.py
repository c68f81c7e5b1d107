"""Target URLs: what a short link may point at, and host names as a browser reads them."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest

from shortstack.domain.errors import UnsafeUrl
from shortstack.domain.hosts import canonical_host, host_key, request_host
from shortstack.domain.target_urls import (
    URL_MAX_LENGTH,
    OwnHosts,
    _percent_encode_non_ascii,
    check_target_url,
)


def fullwidth(text: str) -> str:
    """ASCII letters as their full-width look-alikes, which IDNA maps back."""
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isalpha() else ch for ch in text)


OWN = OwnHosts.of("https://sho.rt", "api.example.com:8443")


def refused(url: str, own: OwnHosts = OWN) -> str:
    with pytest.raises(UnsafeUrl) as caught:
        check_target_url(url, own)
    assert caught.value.field == "url"
    return caught.value.message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("JavaScript:alert(1)", "scheme 'javascript'"),
        ("JAVASCRIPT://%0aalert(1)", "scheme 'javascript'"),
        ("data:text/html,<script>alert(1)</script>", "scheme 'data'"),
        ("vbscript:msgbox(1)", "scheme 'vbscript'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://files.example.com/a", "scheme 'ftp'"),
        ("mailto:a@example.com", "scheme 'mailto'"),
        ("blob:https://example.com/uuid", "scheme 'blob'"),
        (" javascript:alert(1)", "whitespace or control"),
        ("java\tscript:alert(1)", "whitespace or control"),
        ("java\nscript:alert(1)", "whitespace or control"),
        ("\x00javascript:alert(1)", "whitespace or control"),
        ("javascript\u00a0:alert(1)", "whitespace or control"),
        ("https://exa mple.com", "whitespace or control"),
        ("https://example.com/\u2028", "whitespace or control"),
        ("https://example.com/\ud800", "valid Unicode"),
        ("example.com/path", "must start with http"),
        ("//example.com/path", "must start with http"),
        ("/relative/path", "must start with http"),
        ("http:example.com", "must have a host"),
        ("https:/example.com", "must have a host"),
        ("http:///path", "must have a host"),
        ("https://", "must have a host"),
        ("https:\\\\example.com", "backslash"),
        ("https://evil.example\\@good.example", "backslash"),
        ("https://user:secret@example.com/", "credentials"),
        ("https://user@example.com/", "credentials"),
        ("https://@example.com/", "credentials"),
        ("https://example.com:99999/", "invalid port"),
        ("https://example.com:http/", "invalid port"),
        ("https://exa%6dple.com/", "not a valid host"),
        ("https://a..b/", "not a valid host"),
        ("https://-bad-.example/", "not a valid host"),
        ("https://256.1.1.1/", "not a valid host"),
        ("https://[::zz]/", "not a valid host"),
        ("https://example.com/" + "a" * URL_MAX_LENGTH, "at most 2048"),
        ("https://sho.rt/abc1234", "own host"),
        ("https://SHO.RT./abc1234", "own host"),
        ("http://sho.rt:8080/x", "own host"),
        ("https://" + fullwidth("sho.rt") + "/abc", "own host"),
        ("https://api.example.com/api/v1/links", "own host"),
    ],
)
def test_unsafe_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    assert reason in refused(url)


def test_urls_that_only_expand_past_the_limit_are_refused() -> None:
    url = "https://example.com/" + "é" * 700  # 720 characters, 4220 once percent-encoded
    assert "once encoded" in refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/",
        "http://localhost/x",
        "http://[::1]/",
        "http://0x7f.1/",
        "http://0/",
    ],
)
def test_every_loopback_spelling_is_the_local_servers_own_host(url: str) -> None:
    assert "own host" in refused(url, OwnHosts.of("http://127.0.0.1:8000"))


def test_the_requests_host_counts_as_own() -> None:
    own = OwnHosts.of("https://sho.rt").with_request_host("edge.example.net:443")
    assert "own host" in refused("https://edge.example.net/x", own)
    assert check_target_url("https://edge.example.net/x", OWN) == "https://edge.example.net/x"


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM./Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://bücher.example/ü?q=ä#ö", "https://xn--bcher-kva.example/%C3%BC?q=%C3%A4#%C3%B6"),
        ("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("http://0x7f000001.example/", "http://0x7f000001.example/"),
        ("http://3232235777/", "http://192.168.1.1/"),
        ("https://example.com/a%20b?x=%2F", "https://example.com/a%20b?x=%2F"),
    ],
)
def test_safe_urls_are_stored_in_their_ascii_form(url: str, stored: str) -> None:
    assert check_target_url(url, OWN) == stored


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "https://example.com/",
        "https://example.com?",
        "https://example.com#",
        "https://example.com/?#",
        "https://example.com?q",
        "https://example.com#f",
        "https://example.com/p?q=1&r=2#f?g#h",
        "https://example.com:443/a;b?c",
        "http://[::1%25eth0]/x",
        "https://bücher.example/ü?q=ä#ö",
        "https://example.com/ü?#",
        "https://example.com/%7Efoo//bar?",
    ],
)
def test_the_stored_form_is_what_urlunsplit_joins(url: str) -> None:
    """The check writes urlunsplit's join out; it joins the same parts the same way."""
    stored = check_target_url(url, OWN)
    given = urlsplit(url)
    parts = (given.path, given.query, given.fragment)
    encoded = (_percent_encode_non_ascii(part) for part in parts)
    host = urlsplit(stored)
    assert stored == urlunsplit((host.scheme, host.netloc, *encoded))


@pytest.mark.parametrize(
    ("host", "canonical"),
    [
        ("Example.COM.", "example.com"),
        (fullwidth("example") + ".com", "example.com"),
        ("127.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("::FFFF:127.0.0.1", "::ffff:7f00:1"),
        ("my_host.internal", "my_host.internal"),
        ("09.1", None),
        ("1.2.3.4.5", None),
        ("", None),
        ("a" * 64 + ".com", None),
    ],
)
def test_canonical_host(host: str, canonical: str | None) -> None:
    assert canonical_host(host) == canonical


def test_host_keys_merge_loopback_and_nothing_else() -> None:
    assert {host_key(h) for h in ("localhost", "app.localhost", "127.0.0.2", "::1", "0.0.0.0")} == {
        "localhost"
    }
    assert host_key("10.0.0.1") == "10.0.0.1"
    assert request_host("https://Sho.rt:443/base/") == "sho.rt"
    assert request_host("[::1]:8000") == "localhost"
    assert request_host("bad host[") is None


@pytest.mark.parametrize(
    "host",
    [
        "stra\u00dfe\u00ad.de",  # soft hyphen
        "stra\u00ad\u00dfe.de",
        "stra\u00dfe\u200b.de",  # zero-width space
        "stra\u00dfe\ufe0f.de",  # variation selector
        "stra\u00dfe\ufeff.de",  # zero-width no-break space
    ],
)
def test_what_browsers_ignore_in_a_label_with_a_sharp_s_is_dropped(host: str) -> None:
    """UTS #46 ignores these (IDNA 2003 maps them to nothing, table B.1) in any label.
    Kept beside a sharp s they spelt another domain than the one a browser resolves, and
    the own-host check let a link to this service's own host through (a redirect loop)."""
    assert canonical_host(host) == "xn--strae-oqa.de"
    own = OwnHosts.of("https://sho\u00dft.example")
    assert "own host" in refused("https://sho\u00dft\u00ad.example/x", own)


def test_a_capital_that_nfkc_makes_beside_a_sharp_s_is_lowered() -> None:
    """Black-letter H is NFKC's capital H: lowered before NFKC only, the label was refused
    where browsers (UTS #46) go to the h with a sharp s, as without the sharp s."""
    assert canonical_host("\u210c.de") == "h.de"
    assert canonical_host("\u210c\u00df.de") == canonical_host("h\u00df.de") == "xn--h-qfa.de"
